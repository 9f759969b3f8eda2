/* posix_memalign, which newlib declares and leaves out: its memalign does the work, and what
 * it returns is freed by free() as any other block. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

int posix_memalign(void **out, size_t alignment, size_t size)
{
  void *block;
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  block = memalign(alignment, size);
  if (block == NULL) return ENOMEM;
  *out = block;
  return 0;
}
