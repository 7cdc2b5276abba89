"""Onboarding: the first organization of an empty installation, and the setup checklist of a new one."""
