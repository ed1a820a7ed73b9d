"""REST routes of the ERP stub, one router per resource."""
