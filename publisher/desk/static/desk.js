/* The editor's desk: keyboard navigation and small glue around htmx (vendored beside this file). */
(function () {
  "use strict";

  function rows(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }
  function currentRow() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("li.row") : null;
  }
  function focusRow(row) {
    if (!row) return;
    var field = row.querySelector("textarea");
    row.scrollIntoView({ block: "center" });
    if (field) { field.focus(); field.setSelectionRange(field.value.length, field.value.length); }
  }
  function moveFlagged(step) {
    var all = rows("li.row");
    var here = currentRow();
    var i = here ? all.indexOf(here) : (step > 0 ? -1 : all.length);
    for (var j = i + step; j >= 0 && j < all.length; j += step) {
      if (all[j].classList.contains("flagged")) { focusRow(all[j]); return true; }
    }
    status("No " + (step > 0 ? "next" : "previous") + " flagged segment.");
    return false;
  }
  function status(text) {
    var box = document.getElementById("status");
    if (box) { box.className = "status"; box.textContent = text; }
  }
  function submitRow(row, revert) {
    if (!row || !window.htmx) return;
    var button = row.querySelector(revert ? "button.revert" : "button.save");
    if (button && !button.disabled) {
      if (revert) { htmx.trigger(button, "click"); } else { row.querySelector("form").requestSubmit(button); }
    }
  }

  document.addEventListener("keydown", function (ev) {
    var key = ev.key;
    if (ev.altKey && !ev.ctrlKey && (key === "ArrowDown" || key === "ArrowUp")) {
      ev.preventDefault(); moveFlagged(key === "ArrowDown" ? 1 : -1);
    } else if ((ev.ctrlKey || ev.metaKey) && (key === "s" || key === "S" || key === "Enter")) {
      var row = currentRow();
      if (row) { ev.preventDefault(); submitRow(row, false); }
    } else if (ev.altKey && (key === "r" || key === "R" || ev.code === "KeyR")) {
      var here = currentRow();
      if (here) { ev.preventDefault(); submitRow(here, true); }
    } else if (ev.altKey && (key === "p" || key === "P" || ev.code === "KeyP")) {
      var form = document.getElementById("republish");
      if (form) { ev.preventDefault(); form.requestSubmit(); }
    }
  });

  // After a save or revert the row is replaced: keep the editor where they were, and
  // remember the row so that the republished brief highlights it.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var row = ev.detail.target;
    if (row && row.matches && row.matches("li.row")) {
      var fresh = document.getElementById(row.id) || row;
      var focus = document.getElementById("focus");
      if (focus) focus.value = fresh.getAttribute("data-seg");
      focusRow(fresh);
    }
  });
  // A conflict is shown above the rows: bring it into view once it is in place.
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (!ev.detail.xhr || ev.detail.xhr.status !== 409) return;
    setTimeout(function () {
      var el = document.getElementById("conflict");
      if (el && el.classList.contains("conflict")) el.scrollIntoView({ block: "center" });
    }, 30);
  });
  document.addEventListener("htmx:responseError", function (ev) {
    var xhr = ev.detail.xhr;
    status("Not done: " + xhr.status + " " + (xhr.responseText || xhr.statusText).slice(0, 200));
    document.getElementById("status").className = "status error";
  });
  document.addEventListener("htmx:sendError", function () {
    status("Not done: the desk is not answering (was it stopped?).");
    document.getElementById("status").className = "status error";
  });
  // Typing changes the row: mark it unsaved (while its text differs from the saved one),
  // and show which kept items are missing.
  function unsavedRows() { return rows("li.row.unsaved"); }
  function refreshCounts() {
    var n = unsavedRows().length;
    var button = document.querySelector(".save-all-button");
    if (button) {
      button.disabled = n === 0;
      var c = button.querySelector(".unsaved-count");
      if (c) c.textContent = "(" + n + ")";
    }
    [["n-flagged", "li.row.flagged"], ["n-edited", "li.row.edited"]].forEach(function (pair) {
      var el = document.querySelector("." + pair[0]);
      if (el) el.textContent = "(" + rows(pair[1]).length + ")";
    });
  }
  document.addEventListener("input", function (ev) {
    var row = ev.target.closest && ev.target.closest("li.row");
    if (!row || ev.target.tagName !== "TEXTAREA") return;
    row.classList.toggle("unsaved", ev.target.value !== ev.target.defaultValue);
    var text = ev.target.value.toLowerCase();
    row.querySelectorAll(".keep code").forEach(function (code) {
      code.classList.toggle("missing", text.indexOf(code.textContent.toLowerCase()) < 0);
    });
    refreshCounts();
  });
  document.addEventListener("htmx:afterSettle", refreshCounts);
  document.addEventListener("DOMContentLoaded", refreshCounts);

  // "Save all changed rows": one request with an en.<segment id> field per changed row;
  // the desk writes all of them or none.
  document.addEventListener("htmx:configRequest", function (ev) {
    if (!ev.detail.elt || ev.detail.elt.id !== "save-all") return;
    unsavedRows().forEach(function (row) {
      ev.detail.parameters["en." + row.getAttribute("data-seg")] = row.querySelector("textarea").value;
    });
  });
  document.addEventListener("click", function (ev) {
    var over = ev.target.closest && ev.target.closest("button.save-all-over");
    if (!over) return;  // after a conflict: the editor chose to write over the file's new version
    document.getElementById("base").value = over.getAttribute("data-version");
    document.getElementById("save-all").requestSubmit();
  });

  // Filters: all rows, flagged only, edited only.
  document.addEventListener("change", function (ev) {
    if (ev.target.name !== "filter") return;
    var list = document.getElementById("rows");
    if (!list) return;
    list.classList.toggle("only-flagged", ev.target.value === "flagged");
    list.classList.toggle("only-edited", ev.target.value === "edited");
  });

  // Unsaved edits: warn before leaving the page, and before republishing without them.
  window.addEventListener("beforeunload", function (ev) {
    if (unsavedRows().length === 0) return undefined;
    ev.preventDefault();
    ev.returnValue = "You have unsaved corrections.";
    return ev.returnValue;
  });
  document.addEventListener("htmx:confirm", function (ev) {
    if (!ev.detail.elt || ev.detail.elt.id !== "republish") return;
    var n = unsavedRows().length;
    if (n === 0) return;
    ev.preventDefault();
    if (window.confirm(n + " changed row" + (n === 1 ? " is" : "s are") + " not saved and will not be in the brief. Republish anyway?")) {
      ev.detail.issueRequest(true);
    }
  });
})();
