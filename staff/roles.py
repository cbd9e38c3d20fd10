"""The staff roles: one auth Group each, created with their permissions by a data migration.

The migration (`staff/migrations/0001_create_roles.py`) holds the frozen permission lists; this
module maps the role names used on the command line to the group names.
"""

EDITORS = "Editors"
CAMPAIGNERS = "Campaigners"
FINANCE = "Finance"

# Command-line role name -> Group name.
ROLE_GROUPS = {
    "editor": EDITORS,
    "campaigner": CAMPAIGNERS,
    "finance": FINANCE,
}
