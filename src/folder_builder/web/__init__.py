"""The web app of folder-builder: the live proof and the department studio."""
