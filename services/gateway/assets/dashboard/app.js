// The dashboard's shell: sign-in (with the forced change of an initial password), the
// routes, and the weekly bulletins.

import * as api from './api.js';
import { h, show, toast, failure, when } from './ui.js';
import { boardView, wallView } from './board.js';
import { unitView, itemView } from './unit.js';
import { mineView } from './mine.js';
import { reviewView } from './review.js';
import { surveysView } from './surveys.js';
import { ratingsView } from './ratings.js';
import { accountabilityView } from './accountability.js';
import { referralsView } from './referrals.js';
import { assessmentView } from './assessment.js';
import { ledgerView } from './ledger.js';

export const state = { me: null, stop: [] };

function stopLive() {
  for (const s of state.stop.splice(0)) s();
}

function loginView(message) {
  document.getElementById('bar').hidden = true;
  const account = h('input', { id: 'account', name: 'account', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const note = h('p', { class: 'error', role: 'alert', id: 'login-error' }, message || '');
  const form = h('form', { class: 'login', id: 'login-form' },
    h('h1', {}, '督办 · 效能看板'),
    h('label', { for: 'account' }, '账号'), account,
    h('label', { for: 'password' }, '密码'), password,
    note,
    h('button', { type: 'submit', id: 'login-submit' }, '登录'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    note.textContent = '';
    try {
      await api.signIn(account.value.trim(), password.value);
      await enter();
    } catch (e) {
      if (e.code === 'PASSWORD_CHANGE_REQUIRED') changeView(account.value.trim(), password.value, e.message);
      else note.textContent = e.message;
    }
  });
  show(form);
  if (location.pathname !== '/login') history.replaceState(null, '', '/login');
  account.focus();
}

function changeView(account, old, why) {
  const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true });
  const again = h('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', required: true });
  const note = h('p', { class: 'error', role: 'alert' }, '');
  const form = h('form', { class: 'login', id: 'change-form' },
    h('h1', {}, '修改初始密码'),
    h('p', { class: 'muted' }, why || '首次登录须修改密码。', '新密码 8 至 64 位，须同时包含字母和数字，不能包含账号。'),
    h('label', { for: 'new-password' }, '新密码'), next,
    h('label', { for: 'new-password-again' }, '再次输入新密码'), again,
    note,
    h('button', { type: 'submit', id: 'change-submit' }, '修改并登录'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (next.value !== again.value) {
      note.textContent = '两次输入的新密码不一致';
      return;
    }
    try {
      await api.changePassword(account, old, next.value);
      toast('密码已修改');
      await enter();
    } catch (e) {
      note.textContent = e.message;
    }
  });
  show(form);
  next.focus();
}

async function enter() {
  const data = await api.gql('Me');
  state.me = data.me;
  document.getElementById('bar').hidden = false;
  document.getElementById('who').textContent = state.me.name;
  if (location.pathname !== '/') history.replaceState(null, '', '/' + (location.hash || '#/board'));
  route();
}

async function bulletinsView() {
  const list = h('ul', { class: 'bulletins', id: 'bulletin-list' });
  const body = h('article', { class: 'bulletin', id: 'bulletin-body' });
  show(h('h1', {}, '周通报'), h('div', { class: 'split' }, list, body));
  try {
    const data = await api.gql('Bulletins', {});
    if (!data.bulletins.length) list.append(h('li', { class: 'muted' }, '暂无周通报（每周一发布上周的通报）'));
    for (const b of data.bulletins) {
      list.append(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => openBulletin(b.id, body) },
        b.title, h('br'), h('small', { class: 'muted' }, b.number + ' · ' + when(b.publishedAt)))));
    }
    if (data.bulletins[0]) openBulletin(data.bulletins[0].id, body);
  } catch (e) {
    list.append(failure(e));
  }
}

async function openBulletin(id, body) {
  const data = await api.gql('Bulletin', { id });
  const b = data.bulletin;
  const download = h('button', { type: 'button', id: 'bulletin-docx', onclick: () => docx(b) }, '下载 .docx');
  body.replaceChildren(h('h2', {}, b.title), h('p', { class: 'muted' }, b.number + ' · ' + b.scopeName), download,
    h('pre', { class: 'markdown' }, b.markdown));
}

async function docx(b) {
  const resp = await fetch('/bulletins/v1/' + encodeURIComponent(b.id) + '.docx', {
    headers: { authorization: 'Bearer ' + api.token() },
  });
  if (!resp.ok) {
    toast('下载失败（' + resp.status + '）');
    return;
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = h('a', { href: url, download: b.number.replace(/[\\/:*?"<>|]/g, '_') + '.docx' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function route() {
  stopLive();
  if (!state.me) return;
  const [, page, arg] = (location.hash || '#/board').split('/');
  for (const a of document.querySelectorAll('#bar nav a')) {
    a.toggleAttribute('aria-current', a.getAttribute('href') === '#/' + page);
  }
  const views = {
    board: () => boardView(state, arg ? decodeURIComponent(arg) : null),
    wall: () => wallView(state),
    unit: () => unitView(state, decodeURIComponent(arg || '')),
    item: () => itemView(state, decodeURIComponent(arg || '')),
    mine: () => mineView(state),
    bulletins: () => bulletinsView(),
    review: () => reviewView(state, arg ? decodeURIComponent(arg) : null),
    surveys: () => surveysView(state, arg ? decodeURIComponent(arg) : null),
    ratings: () => ratingsView(state),
    accountability: () => accountabilityView(state),
    referrals: () => referralsView(state),
    assessment: () => assessmentView(state, arg ? decodeURIComponent(arg) : null),
    ledger: () => ledgerView(state, arg ? decodeURIComponent(arg) : null),
  };
  (views[page] || views.board)();
  document.getElementById('main').focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
document.getElementById('logout').addEventListener('click', async () => {
  stopLive();
  await api.signOut().catch(() => {});
  state.me = null;
  loginView('已退出登录');
});
api.onSignedOut(() => {
  stopLive();
  state.me = null;
  loginView('登录已失效，请重新登录');
});

(async function start() {
  try {
    await api.refresh();
    await enter();
  } catch (e) {
    loginView('');
  }
})();
