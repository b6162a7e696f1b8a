/*
 * Community pages: like and comment in place through the API, with the session cookie and the
 * CSRF token of the form. Without JavaScript (or when a request fails for a network reason) the
 * forms post to the pages and redirect back, so everything still works.
 */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function send(form, method, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(form.dataset.apiUrl, options);
  }

  function errorMessage(response) {
    return response.json().then(
      function (body) { return (body && body.error && body.error.message) || "Something went wrong."; },
      function () { return "Something went wrong."; }
    );
  }

  function onLike(form, event) {
    event.preventDefault();
    var liked = form.dataset.liked === "true";
    var button = form.querySelector("button");
    button.disabled = true;
    send(form, liked ? "DELETE" : "POST").then(function (response) {
      if (!response.ok) { form.submit(); return; }
      var count = form.querySelector(".js-like-count");
      var now = !liked;
      if (response.status === 200) {
        return response.json().then(function (body) { update(body.like_count); });
      }
      update(Math.max(0, parseInt(count.textContent, 10) - 1));
      function update(value) {
        count.textContent = value;
        form.dataset.liked = now ? "true" : "false";
        form.action = now ? form.dataset.unlikeUrl : form.dataset.likeUrl;
        button.setAttribute("aria-pressed", now ? "true" : "false");
        form.querySelector(".js-like-label").textContent = now ? "\u2665 Liked" : "\u2661 Like";
      }
    }).catch(function () { form.submit(); }).finally(function () { button.disabled = false; });
  }

  function commentItem(comment) {
    var item = document.createElement("li");
    item.className = "community-comment depth-" + comment.depth;
    item.id = "comment-" + comment.id;
    item.style.marginLeft = comment.depth + "rem";
    var byline = document.createElement("p");
    var author = document.createElement("strong");
    author.textContent = "@" + (comment.author ? comment.author.username : "you");
    byline.appendChild(author);
    byline.appendChild(document.createTextNode(" \u00b7 just now"));
    var text = document.createElement("p");
    text.className = "community-text";
    text.textContent = comment.text;
    item.appendChild(byline);
    item.appendChild(text);
    return item;
  }

  function onComment(form, event) {
    event.preventDefault();
    var textarea = form.querySelector("textarea");
    var parent = form.querySelector("input[name=parent_id]");
    var error = form.querySelector(".js-comment-error");
    var body = { text: textarea.value };
    if (parent) { body.parent_id = parent.value; }
    error.hidden = true;
    send(form, "POST", body).then(function (response) {
      if (response.status !== 201) {
        return errorMessage(response).then(function (message) { error.textContent = message; error.hidden = false; });
      }
      return response.json().then(function (comment) {
        var thread = document.querySelector(".js-thread");
        if (!thread) { window.location.reload(); return; }
        var empty = thread.querySelector(".js-thread-empty");
        if (empty) { empty.remove(); }
        var item = commentItem(comment);
        var parentItem = parent ? document.getElementById("comment-" + parent.value) : null;
        if (parentItem) { parentItem.after(item); } else { thread.appendChild(item); }
        textarea.value = "";
        document.querySelectorAll(".js-comment-count").forEach(function (node) {
          node.textContent = parseInt(node.textContent, 10) + 1;
        });
      });
    }).catch(function () { form.submit(); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !form.dataset || !form.dataset.apiUrl) { return; }
    if (form.classList.contains("js-like")) { onLike(form, event); }
    else if (form.classList.contains("js-comment")) { onComment(form, event); }
  });
})();
