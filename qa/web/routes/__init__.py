"""One APIRouter per resource: `ask` (questions), `documents`, `service` (health, metrics), `page` (the web page
and the API docs). Each handler is a few lines over `qa.collection.Collection`."""
