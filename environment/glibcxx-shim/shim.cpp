// Defines the one libstdc++ symbol that TorchSharp's native library needs from GCC 13+
// (GLIBCXX_3.4.32) on systems whose libstdc++ is older (Debian 12 ships 3.4.30).
// GCC 13 emits a call to std::ios_base_library_init() from every translation unit that
// includes <iostream>; its whole job is to construct the standard streams once, which
// an ios_base::Init object does on every libstdc++.
#include <ios>

namespace std {
__attribute__((visibility("default"))) void ios_base_library_init() {
    static ios_base::Init init;
}
}
