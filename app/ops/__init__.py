"""Deployment operations: systemd notifications, provisioning, releases, upgrade, backup/restore."""
