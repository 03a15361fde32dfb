"""Reports: results and traces as text, JSON and pictures. Nothing here knows how they were found."""
