"""Community: activities, feed ranking, likes, comments, reports, challenges, notifications."""
