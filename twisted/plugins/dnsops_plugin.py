"""The twistd plugin: C{twistd dnsops}. Names the module only, so C{twistd --help} stays fast."""

from twisted.application.service import ServiceMaker

dnsops = ServiceMaker("dnsops", "dnsops.tap", "DNS server and ops console.", "dnsops")
