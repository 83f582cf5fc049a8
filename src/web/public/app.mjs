// Progressive enhancement only: every page works without this script.
import { initAll } from "/javascripts/govuk-frontend.min.js";
initAll();
