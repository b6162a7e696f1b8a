"""Settings for FitAI: `base` reads the environment, `production` hardens it, `test` speeds it up."""
