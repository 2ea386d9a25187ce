// CIDN2: the system's libidn2 headers, for Swift.
#include <idn2.h>
