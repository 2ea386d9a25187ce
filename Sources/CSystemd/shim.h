// CSystemd: the system's libsystemd headers, for Swift.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>
