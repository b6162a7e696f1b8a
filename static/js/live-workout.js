/* The live workout page: changes made on any device show up here without a reload.
 *
 * Progressive enhancement only: every button on the page is a form that works without this
 * script. Here the page opens the workout's socket (`/ws/workouts/<id>/`, the session cookie
 * authenticates) and, on any change event, fetches the page again and swaps its live section.
 * It also counts down the rest timer to the server's end time. While someone is typing into a
 * set form the swap waits, so a half-typed weight is never thrown away.
 */
(function () {
  "use strict";

  /* Every event type the services emit: `workout_updated` is an offline device's merged sync,
   * `workout_shared` a share from another device. */
  var EVENTS = ["set_logged", "set_updated", "personal_record", "status_changed", "rest_started",
    "exercise_updated", "workout_updated", "workout_shared", "workout_deleted"];
  var article = document.querySelector("[data-live-socket]");
  var path = article && article.getAttribute("data-live-socket");
  if (!path || !window.WebSocket || !window.fetch || !window.DOMParser) {
    return;
  }
  var section = document.querySelector("[data-live-section]");
  var indicator = document.querySelector("[data-live-indicator]");
  var pending = false;
  var fetching = false;
  var retryDelay = 1000;
  var countdownTimer = null;
  var hasConnected = false;

  function isTyping() {
    var active = document.activeElement;
    return active && section.contains(active) && active.tagName === "INPUT";
  }

  function refresh() {
    if (fetching || isTyping()) {
      pending = true;
      return;
    }
    pending = false;
    fetching = true;
    fetch(location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-live-section]");
        if (fresh) {
          section.innerHTML = fresh.innerHTML;
          startCountdown();
        }
      })
      .catch(function () {
        /* The next event or a reload will catch up. */
      })
      .then(function () {
        fetching = false;
        if (pending) {
          refresh();
        }
      });
  }

  section.addEventListener("focusout", function () {
    window.setTimeout(function () {
      if (pending && !isTyping()) {
        refresh();
      }
    }, 0);
  });

  function startCountdown() {
    if (countdownTimer) {
      window.clearInterval(countdownTimer);
      countdownTimer = null;
    }
    var status = section.querySelector("[data-rest-ends]");
    var output = status && status.querySelector("[data-rest-countdown]");
    var ends = status && Date.parse(status.getAttribute("data-rest-ends"));
    if (!output || isNaN(ends)) {
      return;
    }
    function tick() {
      var left = Math.round((ends - Date.now()) / 1000);
      if (left <= 0) {
        output.textContent = "Rest is over: next set!";
        window.clearInterval(countdownTimer);
        countdownTimer = null;
        return;
      }
      var seconds = left % 60;
      output.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
    }
    tick();
    countdownTimer = window.setInterval(tick, 1000);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    socket.addEventListener("open", function () {
      retryDelay = 1000;
      if (hasConnected) {
        refresh(); /* events may have been missed while the socket was down */
      }
      hasConnected = true;
      if (indicator) {
        indicator.hidden = false;
      }
    });
    socket.addEventListener("message", function (message) {
      var frame;
      try {
        frame = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (frame && EVENTS.indexOf(frame.type) !== -1) {
        refresh();
      }
    });
    socket.addEventListener("close", function (event) {
      if (indicator) {
        indicator.hidden = true;
      }
      if (event.code === 4401 || event.code === 4404) {
        return; /* signed out, or the workout is gone: retrying will not help */
      }
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  }

  startCountdown();
  connect();
})();
