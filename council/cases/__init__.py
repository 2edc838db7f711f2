"""Advanced cases (先進事例): the catalogue the 1st council meeting introduces (「見える化」), the cases chosen for a
meeting, its handout, and which municipalities took a case up (横展開)."""
