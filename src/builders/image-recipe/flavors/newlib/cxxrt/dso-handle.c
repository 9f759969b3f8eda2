/* __dso_handle identifies the object whose static destructors __cxa_atexit registers; gcc's
 * crtbegin defines it, and the stubdom link has no crtbegin (its start file is the bake's). */
void *__dso_handle __attribute__((visibility("hidden"))) = &__dso_handle;
