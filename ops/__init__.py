"""Operations drills run against a real sim process (./dev drill chaos)."""
