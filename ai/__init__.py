"""AI coach: providers, the safety validator, recommendations, generation and chat."""
