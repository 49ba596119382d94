"""Calendar views and the iCal feed."""
