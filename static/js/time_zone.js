// Tells Parley the browser's time zone, so that times are shown in it beside the venue's
// (a profile's own choice of zone comes first: core.time_zones.viewer_zone_name).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
    return;
  }
  var cookie = "parley_tz=" + zone;
  if (document.cookie.split("; ").indexOf(cookie) !== -1) {
    return;
  }
  var secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
