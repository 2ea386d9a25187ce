// CPSL: the system's libpsl headers, for Swift.
#include <libpsl.h>
