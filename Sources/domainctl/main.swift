// domainctl's entry point: parse the command line, run the command, exit with spec §10's codes.
DomainCtl.runAndExit()
