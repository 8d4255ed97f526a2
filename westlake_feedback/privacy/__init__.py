"""Personal data over time: the rotating IP-hash keys, and the purge of contact details after the
retention period (PIPL). See README.md, section Privacy."""
