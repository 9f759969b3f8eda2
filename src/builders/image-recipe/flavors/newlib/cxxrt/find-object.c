/* _dl_find_object for a static stubdom program: the unwinder of the host's libgcc_eh (which
 * libstdc++ exceptions use) asks it for the .eh_frame_hdr covering a code address. A
 * stub domain is one statically linked object, so the answer comes from its own program
 * headers (the link passes --eh-frame-hdr, so PT_GNU_EH_FRAME exists). Layout and contract
 * as glibc 2.35's <dlfcn.h> on x86_64: 0 when found, -1 when not. */
#include <elf.h>
#include <stddef.h>

struct link_map;
struct dl_find_object {
  unsigned long long dlfo_flags;
  void *dlfo_map_start;
  void *dlfo_map_end;
  struct link_map *dlfo_link_map;
  void *dlfo_eh_frame;
  unsigned long long __dlfo_reserved[7];
};

/* The linker defines __ehdr_start when the ELF header is in a loaded segment. */
extern const Elf64_Ehdr __ehdr_start __attribute__((weak, visibility("hidden")));

int _dl_find_object(void *pc, struct dl_find_object *result)
{
  const Elf64_Ehdr *ehdr = &__ehdr_start;
  if (ehdr == NULL) return -1;
  const Elf64_Phdr *phdr = (const Elf64_Phdr *)((const char *)ehdr + ehdr->e_phoff);
  /* load bias: 0 for the non-PIE programs this toolchain links, computed anyway */
  unsigned long bias = 0;
  for (int i = 0; i < ehdr->e_phnum; i++)
    if (phdr[i].p_type == PT_LOAD && phdr[i].p_offset == 0) { bias = (unsigned long)ehdr - phdr[i].p_vaddr; break; }
  unsigned long addr = (unsigned long)pc, start = ~0UL, end = 0;
  void *eh_frame = NULL;
  for (int i = 0; i < ehdr->e_phnum; i++) {
    if (phdr[i].p_type == PT_LOAD) {
      if (phdr[i].p_vaddr + bias < start) start = phdr[i].p_vaddr + bias;
      if (phdr[i].p_vaddr + bias + phdr[i].p_memsz > end) end = phdr[i].p_vaddr + bias + phdr[i].p_memsz;
    } else if (phdr[i].p_type == PT_GNU_EH_FRAME) {
      eh_frame = (void *)(phdr[i].p_vaddr + bias);
    }
  }
  if (addr < start || addr >= end) return -1;
  result->dlfo_flags = 0;
  result->dlfo_map_start = (void *)start;
  result->dlfo_map_end = (void *)end;
  result->dlfo_link_map = NULL;
  result->dlfo_eh_frame = eh_frame;
  return 0;
}
