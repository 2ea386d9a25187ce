// CUnbound: the system's libunbound header, for Swift.
#include <unbound.h>
