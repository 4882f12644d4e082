# Profile-guided optimisation (SMPSIM_PGO, GCC): an instrumented copy of the Python module is
# built in <build>/pgo-instrumented, scripts/pgo_train.py runs on it, and the targets given to
# smpsim_pgo() are compiled with the profile it wrote and linked into the module as one program.
# A source edit rebuilds the instrumented module, trains again and recompiles those targets, so
# the profile always matches the code.
include(ExternalProject)

set(SMPSIM_PGO_BUILD ${CMAKE_BINARY_DIR}/pgo-instrumented)
set(SMPSIM_PGO_PROFILE ${CMAKE_BINARY_DIR}/pgo-profile)
set(SMPSIM_PGO_STAMP ${CMAKE_BINARY_DIR}/pgo-profile.stamp)

function(smpsim_pgo)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "SMPSIM_PGO needs GCC (the compiler is ${CMAKE_CXX_COMPILER_ID}); "
                        "configure with -DSMPSIM_PGO=OFF")
  endif()
  # The profile's file names are the object files' paths relative to each build's root, so the
  # instrumented build's profile is found by the objects of this one.
  set(instrumented_module ${SMPSIM_PGO_BUILD}/python/smpsim/_smpsim${PYTHON_MODULE_EXTENSION})
  ExternalProject_Add(pgo_instrumented
    SOURCE_DIR ${CMAKE_SOURCE_DIR}
    BINARY_DIR ${SMPSIM_PGO_BUILD}
    CMAKE_ARGS -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DSMPSIM_PGO=OFF -DSMPSIM_BUILD_TESTS=OFF
               -DSMPSIM_PYTHON=${SMPSIM_PYTHON} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
               "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS} -fprofile-generate=${SMPSIM_PGO_PROFILE} -fprofile-prefix-path=${SMPSIM_PGO_BUILD} -fprofile-update=single"
    INSTALL_COMMAND ""
    BUILD_BYPRODUCTS ${instrumented_module}
    BUILD_ALWAYS ON
    STEP_TARGETS build)
  # Train again whenever the instrumented module was relinked (or the training changed): a fresh
  # profile, never counts added to an old one.
  add_custom_command(
    OUTPUT ${SMPSIM_PGO_STAMP}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${SMPSIM_PGO_PROFILE}
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${SMPSIM_PGO_BUILD}/python
            SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 ${SMPSIM_PYTHON}
            ${CMAKE_SOURCE_DIR}/scripts/pgo_train.py
    COMMAND ${CMAKE_COMMAND} -E touch ${SMPSIM_PGO_STAMP}
    DEPENDS pgo_instrumented-build ${instrumented_module} ${CMAKE_SOURCE_DIR}/scripts/pgo_train.py
    COMMENT "Training the profile-guided build (scripts/pgo_train.py)"
    VERBATIM)
  add_custom_target(pgo_profile DEPENDS ${SMPSIM_PGO_STAMP})
  # With the profile, the module is also optimised as a whole at link time: the libraries'
  # objects carry the compiler's intermediate code beside their machine code (fat objects), and
  # the module's link (-flto, as pybind11 sets it) inlines across them. Targets defined after
  # this (the C++ tests) link the machine code only.
  add_link_options(-fno-lto)
  foreach(t ${ARGN})
    add_dependencies(${t} pgo_profile)
    target_compile_options(${t} PRIVATE -fprofile-use=${SMPSIM_PGO_PROFILE}
                           -fprofile-prefix-path=${CMAKE_BINARY_DIR} -fprofile-partial-training
                           -Wno-missing-profile -flto=auto -ffat-lto-objects)
    get_target_property(srcs ${t} SOURCES)
    get_target_property(dir ${t} SOURCE_DIR)
    list(TRANSFORM srcs PREPEND ${dir}/ REGEX "^[^/]")
    set_source_files_properties(${srcs} TARGET_DIRECTORY ${t}
                                PROPERTIES OBJECT_DEPENDS ${SMPSIM_PGO_STAMP})
  endforeach()
endfunction()
