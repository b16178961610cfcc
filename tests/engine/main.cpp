// doctest's main: the same suite runs natively (ctest) and as WebAssembly (Node and a page).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
