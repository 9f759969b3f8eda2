# stubdom-project.cmake: read at the end of every project() (the toolchain file names it as
# CMAKE_PROJECT_INCLUDE), after CMake's Generic platform files. It puts right what they get
# wrong for a stubdom architecture. Installed as /usr/share/stubdom/project.cmake; the
# toolchain file sets STUBDOM_SYSTEM_INCLUDE_PATH and STUBDOM_ANSWERS.

# Platform/Generic.cmake sets CMAKE_SYSTEM_INCLUDE_PATH to /include after the toolchain file ran,
# so find_path() and find_package() never searched the target's view of /usr/include: FindZLIB
# failed, and projects with an optional dependency silently built without it.
set(CMAKE_SYSTEM_INCLUDE_PATH ${STUBDOM_SYSTEM_INCLUDE_PATH})

# What the target's C library has, which CMake cannot find out itself (UNIX, reset by the
# platform files), when the flavor's essential packages installed it.
if(STUBDOM_ANSWERS AND EXISTS "${STUBDOM_ANSWERS}")
  include("${STUBDOM_ANSWERS}")
endif()

# Generic builds add_library(SHARED) as STATIC. A project with a shared and a static target of
# one output name (cmark, pugixml) then has two targets writing one archive, and make -j races
# them ("ranlib: ... file truncated"). After the top directory is read, every archive written
# by more than one target stays with the first; each other target writes its own copy in a
# folder of its own. Links use each target's own file, and installing both leaves one archive.
function(_stubdom_static_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    _stubdom_static_targets("${subdir}" more)
    list(APPEND targets ${more})
  endforeach()
  set(static "")
  foreach(target IN LISTS targets)
    get_target_property(type "${target}" TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      list(APPEND static "${target}")
    endif()
  endforeach()
  set(${out} ${static} PARENT_SCOPE)
endfunction()

function(_stubdom_archive_file target out)
  get_target_property(dir "${target}" ARCHIVE_OUTPUT_DIRECTORY)
  if(NOT dir)
    get_target_property(dir "${target}" BINARY_DIR)
  endif()
  set(name "${target}")
  foreach(property OUTPUT_NAME ARCHIVE_OUTPUT_NAME)
    get_target_property(value "${target}" ${property})
    if(value)
      set(name "${value}")
    endif()
  endforeach()
  get_target_property(prefix "${target}" PREFIX)
  if(prefix STREQUAL "prefix-NOTFOUND")
    set(prefix "${CMAKE_STATIC_LIBRARY_PREFIX}")
  endif()
  get_target_property(suffix "${target}" SUFFIX)
  if(NOT suffix)
    set(suffix "${CMAKE_STATIC_LIBRARY_SUFFIX}")
  endif()
  set(${out} "${dir}/${prefix}${name}${suffix}" PARENT_SCOPE)
endfunction()

function(_stubdom_separate_archives)
  _stubdom_static_targets("${CMAKE_SOURCE_DIR}" targets)
  set(files "")
  set(writers "")
  foreach(target IN LISTS targets)
    _stubdom_archive_file("${target}" file)
    list(FIND files "${file}" index)
    if(index EQUAL -1)
      list(APPEND files "${file}")
      list(APPEND writers "${target}")
    else()
      list(GET writers ${index} first)
      set(own "${CMAKE_BINARY_DIR}/stubdom-archives/${target}")
      set_target_properties("${target}" PROPERTIES ARCHIVE_OUTPUT_DIRECTORY "${own}")
      message(STATUS "stubdom: ${first} and ${target} both write ${file} (CMake's Generic platform "
                     "builds SHARED libraries as STATIC); ${target} writes its own in ${own}")
    endif()
  endforeach()
endfunction()

get_property(_stubdom_separating GLOBAL PROPERTY STUBDOM_SEPARATING_ARCHIVES)
if(NOT _stubdom_separating)
  set_property(GLOBAL PROPERTY STUBDOM_SEPARATING_ARCHIVES TRUE)
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _stubdom_separate_archives)
endif()
