/* _setjmp and _longjmp, which newlib declares (XSI) but implements only for some targets:
 * there is no signal mask to leave alone here, so they are setjmp and longjmp. Tail jumps,
 * so setjmp sees its caller's frame (a C wrapper around setjmp would save its own). */
	.text
	.globl	_setjmp
	.type	_setjmp, @function
_setjmp:
	jmp	setjmp
	.size	_setjmp, .-_setjmp

	.globl	_longjmp
	.type	_longjmp, @function
_longjmp:
	jmp	longjmp
	.size	_longjmp, .-_longjmp
	.section	.note.GNU-stack,"",@progbits
