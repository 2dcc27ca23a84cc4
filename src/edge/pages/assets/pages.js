/*
 * The pages' own script (served from our origin; no inline code, nothing from elsewhere).
 * 1. A link's secret is in the URL fragment, which browsers never send: read it, take it out of the
 *    address bar and the history, and post it (step=open) to show the account and its rules.
 * 2. Tick the password rules off as the person types (only the rules checked here: the others say they
 *    are checked on submit); say when the two passwords differ.
 * 3. Move the focus to the list of problems after a refused submit, so screen readers announce it; take
 *    a field's refusal away (beside it and in the list) as soon as the person edits that field.
 * 4. "Check your email": offer another email once the cool-down has passed.
 * Everything also works without this script: the person types or pastes the code from the email, a
 * refusal stays until the next submit, and another email can be asked for at once.
 */
(function () {
  'use strict';

  function secretFromFragment(form) {
    var field = form.getAttribute('data-code-form');
    if (!field) return;
    // The fragment, as the service's own links carry it; or the query, where an account's own link
    // template put it (the server never logs a query string). Either way it leaves the address bar.
    var value = location.hash.length > 1 ? new URLSearchParams(location.hash.slice(1)).get(field) : null;
    if (!value && location.search.length > 1) value = new URLSearchParams(location.search).get(field);
    if (location.hash.length < 2 && !value) return;
    history.replaceState(null, '', location.pathname);
    var input = form.querySelector('input[name="' + field + '"]');
    if (!value || !input) return;
    input.value = value;
    form.classList.add('is-opening');
    form.submit();
  }

  var CLASS = {
    lower: /\p{Ll}/u,
    upper: /\p{Lu}/u,
    digit: /\p{Nd}/u,
    special: /[^\p{L}\p{N}]/u,
  };

  /** What the service checks too (src/core/password): NFKC, length in code points, character classes. */
  function met(rule, value, password) {
    var text = password.normalize('NFKC');
    var length = Array.from(text).length;
    switch (rule) {
      case 'minLength': return length >= Number(value);
      case 'maxLength': return length <= Number(value);
      case 'class': return CLASS[value] ? CLASS[value].test(text) : true;
      case 'minClasses':
        return Object.keys(CLASS).filter(function (k) { return CLASS[k].test(text); }).length >= Number(value);
      default: return true;
    }
  }

  function liveRules() {
    var password = document.getElementById('password');
    var list = document.getElementById('rules');
    if (!password || !list) return;
    var items = list.querySelectorAll('li[data-rule]');
    function update() {
      var value = password.value;
      for (var i = 0; i < items.length; i++) {
        var rule = items[i].getAttribute('data-rule');
        var ok = (value.length > 0 || rule === 'maxLength') && met(rule, items[i].getAttribute('data-value'), value);
        items[i].classList.toggle('met', ok);
        var state = items[i].querySelector('.rule-state');
        if (state) state.textContent = '(' + list.getAttribute(ok ? 'data-met' : 'data-unmet') + ')';
      }
    }
    password.addEventListener('input', update);
    update();
  }

  function liveConfirm() {
    var password = document.getElementById('password');
    var confirm = document.getElementById('confirm');
    var message = document.getElementById('confirm-error');
    if (!password || !confirm || !message) return;
    function check() {
      if (!confirm.value) return;
      var differs = confirm.value !== password.value && !password.value.startsWith(confirm.value);
      var complete = confirm.value.length >= password.value.length;
      if (differs || (complete && confirm.value !== password.value)) {
        message.textContent = message.getAttribute('data-mismatch');
        confirm.setAttribute('aria-invalid', 'true');
      } else {
        message.textContent = '';
        confirm.removeAttribute('aria-invalid');
      }
    }
    confirm.addEventListener('input', check);
    password.addEventListener('input', check);
  }

  /** The first edit of a refused field takes its refusal away: beside the field, in its description and in the summary. */
  function clearRefusalsOnEdit() {
    var inputs = document.querySelectorAll('input[aria-invalid="true"]');
    for (var i = 0; i < inputs.length; i++) watch(inputs[i]);

    function watch(input) {
      input.addEventListener('input', function clear() {
        input.removeEventListener('input', clear);
        var field = input.closest('.field');
        var gone = [];
        var errors = field ? field.querySelectorAll('.field-error') : [];
        for (var j = 0; j < errors.length; j++) {
          // The confirmation's message stays in place (emptied): the live check writes into it.
          if (errors[j].hasAttribute('data-mismatch')) {
            errors[j].textContent = '';
          } else {
            gone.push(errors[j].id);
            errors[j].parentNode.removeChild(errors[j]);
          }
        }
        if (field) field.classList.remove('invalid');
        input.removeAttribute('aria-invalid');
        var described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) { return id && gone.indexOf(id) < 0; });
        if (described.length) input.setAttribute('aria-describedby', described.join(' '));
        else input.removeAttribute('aria-describedby');
        dropFromSummary(input.id);
      });
    }

    function dropFromSummary(id) {
      var summary = document.getElementById('error-summary');
      if (!summary) return;
      var links = summary.querySelectorAll('a[href="#' + id + '"]');
      for (var k = 0; k < links.length; k++) {
        var item = links[k].closest('li');
        if (item) item.parentNode.removeChild(item);
      }
      if (!summary.querySelector('li')) summary.parentNode.removeChild(summary);
    }
  }

  /** "Check your email": the form for another email appears once the cool-down (data-cooldown, seconds) has passed. */
  function resendAfterCooldown() {
    var form = document.getElementById('resend');
    var note = document.getElementById('resend-note');
    var seconds = form ? Number(form.getAttribute('data-cooldown')) : 0;
    if (!form || !note || !(seconds > 0)) return;
    var ready = note.textContent;
    form.hidden = true;
    note.textContent = note.getAttribute('data-wait');
    setTimeout(function () {
      note.textContent = ready;
      form.hidden = false;
    }, seconds * 1000);
  }

  function start() {
    var codeForm = document.querySelector('form[data-code-form]');
    if (codeForm) {
      secretFromFragment(codeForm);
      // A link pasted into a tab that already shows this page only changes the fragment: no new load.
      window.addEventListener('hashchange', function () { secretFromFragment(codeForm); });
    }
    // Before liveConfirm: a refusal is taken away first, then the live check may say its own.
    clearRefusalsOnEdit();
    liveRules();
    liveConfirm();
    resendAfterCooldown();
    var summary = document.getElementById('error-summary');
    if (summary) summary.focus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
