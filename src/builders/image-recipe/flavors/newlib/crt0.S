/* Placeholder start file for stubdom programs linked on the build host.
 * The real entry comes from the stub domain's final link (Mini-OS). Executing this one
 * traps at once: ud2 raises SIGILL before anything else runs. The calls below are never
 * reached; they keep main and exit referenced so a link without main fails as it should. */
	.text
	.globl	_start
	.type	_start, @function
_start:
	ud2
	call	main
	movl	%eax, %edi
	call	exit
	.size	_start, .-_start
	.section	.note.GNU-stack,"",@progbits
