"""
The deployment file: C{twistd -ny dns.tac}, configured by the environment.

C{DNSOPS_DB}, C{DNSOPS_PORT}, C{DNSOPS_API_PORT}, C{DNSOPS_DOH_PORT}, C{DNSOPS_DOT_PORT},
C{DNSOPS_NO_DOH=1}, C{DNSOPS_NO_DOT=1}, C{DNSOPS_INTERFACES=a,b} and C{DNSOPS_LOG_LEVEL} mean
what the C{twistd dnsops} flags of the same names mean; the service is the same.
"""

import os

from twisted.application import service

from dnsops.service import make_service
from dnsops.tap import Options, environment_argv, filter_global_log

options = Options()
options.parseOptions(environment_argv(os.environ))
application = service.Application("dnsops")
top = make_service(options)
top.before_start = lambda: filter_global_log(options["log-level"])
top.exit_on_listen_error = True
top.setServiceParent(application)
