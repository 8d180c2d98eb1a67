"""Teams per policy (from the profiles' `teams`), their members, and which team's queue a
complaint is in (its category's team; the policy's handoff team without a category)."""
