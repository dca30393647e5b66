"""Self-evaluation: the LARC method as software — instruments, coding, impact levels, maturity."""
