// OAuth 2.0 Form Post Response Mode: send the authorization response to the
// application without the user having to press "Continue". Served as a file
// (never inline) so the content security policy can forbid inline script;
// the page's visible button does the same job when scripts are off.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
});
