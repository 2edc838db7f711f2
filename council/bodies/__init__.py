"""The regional promotion (地域における推進体制): areas, their bodies and members (reference data), the bodies'
regular meetings (calendar/bodies.yaml), and the table of each area's initiatives of a year."""
