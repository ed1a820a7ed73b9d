"""What EHF is, as data: the rule catalogue, the code lists and the release they mirror."""
