"""The GCP collector: a whole organisation (or some folders and projects) through Cloud
Asset Inventory, in a few paged calls instead of one API per service per project."""
