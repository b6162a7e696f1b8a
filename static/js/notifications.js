/*
 * Live notifications over /ws/notifications/ (the session cookie authenticates the socket).
 *
 * On every page of a signed-in member: keeps the unread badge in the nav
 * ([data-notification-badge]) up to date. On the notifications page: adds each new notification
 * at the top of #notification-list and marks read the ones another device read.
 * Frames: unread_count {unread_count}, notification.created {notification},
 * notification.read {id, unread_count}. Reconnects with a growing delay.
 */
(function () {
  "use strict";
  if (window.fitaiNotifications || !window.WebSocket) {
    return;
  }
  window.fitaiNotifications = true;

  var list = document.getElementById("notification-list");
  var delay = 1000;

  function setCount(count) {
    document.querySelectorAll("[data-notification-badge]").forEach(function (badge) {
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count <= 0;
    });
    document.querySelectorAll("[data-notification-count]").forEach(function (node) {
      node.textContent = String(count);
    });
  }

  function currentCount() {
    var node = document.querySelector("[data-notification-count]") || document.querySelector("[data-notification-badge]");
    var value = node ? parseInt(node.textContent, 10) : 0;
    return isNaN(value) ? 0 : value;
  }

  function csrfToken() {
    var input = document.querySelector("[data-csrf-form] input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function renderItem(notification) {
    var item = element("li", "card notification notification-unread");
    item.dataset.notificationId = notification.id;
    item.style.borderLeft = "4px solid var(--brand)";
    var title = element("p", "notification-title");
    title.style.cssText = "color:var(--ink);margin:0;font-weight:600;";
    title.appendChild(element("span", "badge badge-success notification-new", "New"));
    title.appendChild(document.createTextNode(" " + notification.title));
    item.appendChild(title);
    if (notification.body) {
      var body = element("p", "notification-body", notification.body);
      body.style.cssText = "margin:.25rem 0 0;white-space:pre-line;";
      item.appendChild(body);
    }
    var meta = element("p", "muted");
    meta.style.cssText = "margin:.25rem 0 0;font-size:.85rem;";
    var actor = notification.actor ? notification.actor.display_name + " · " : "";
    var time = element("time", "", new Date(notification.created_at).toLocaleString());
    time.setAttribute("datetime", notification.created_at);
    meta.appendChild(document.createTextNode(actor));
    meta.appendChild(time);
    item.appendChild(meta);

    var form = element("form");
    form.method = "post";
    form.action = list.dataset.readUrlTemplate.replace("00000000-0000-0000-0000-000000000000", notification.id);
    form.style.cssText = "display:flex;gap:.5rem;margin-top:.5rem;";
    var token = element("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    form.appendChild(token);
    if (notification.url && notification.url.indexOf("/api/") !== 0) {
      var open = element("button", "button button-small", "Open");
      open.type = "submit";
      open.name = "open";
      open.value = "1";
      form.appendChild(open);
    }
    var read = element("button", "button button-small button-secondary notification-mark-read", "Mark read");
    read.type = "submit";
    form.appendChild(read);
    item.appendChild(form);
    return item;
  }

  function markRead(id) {
    var selector = id ? '[data-notification-id="' + id + '"]' : ".notification-unread";
    list.querySelectorAll(selector).forEach(function (item) {
      item.classList.remove("notification-unread");
      item.style.borderLeft = "";
      item.querySelectorAll(".notification-new, .notification-mark-read").forEach(function (node) {
        node.remove();
      });
      var title = item.querySelector(".notification-title");
      if (title) {
        title.style.fontWeight = "400";
      }
    });
  }

  function onFrame(frame) {
    var data = frame.data || {};
    if (frame.type === "unread_count") {
      setCount(data.unread_count);
    } else if (frame.type === "notification.created") {
      setCount(currentCount() + 1);
      if (list && !list.querySelector('[data-notification-id="' + data.id + '"]')) {
        var empty = list.querySelector(".notification-empty");
        if (empty) {
          empty.remove();
        }
        list.insertBefore(renderItem(data), list.firstChild);
      }
    } else if (frame.type === "notification.read") {
      setCount(data.unread_count);
      if (list) {
        markRead(data.id);
      }
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.onopen = function () {
      delay = 1000;
    };
    socket.onmessage = function (message) {
      try {
        onFrame(JSON.parse(message.data));
      } catch (error) {
        /* A frame we do not understand changes nothing. */
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4401) {
        return; /* Signed out: nothing to listen to. */
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
