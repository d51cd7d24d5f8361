"""Public alert programs: AMBER, Silver and other missing-person alerts, the crime alert network, CAP."""
