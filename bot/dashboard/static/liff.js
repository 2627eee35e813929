// Inside LINE (a LIFF app): get LINE's ID token for this user and trade it, with the page's
// one-time nonce, for a dashboard session; then go to the dashboard.
(function () {
  'use strict';
  var box = document.getElementById('liff');
  var status = document.getElementById('liff-status');
  function say(text) { status.textContent = text; }

  function signIn() {
    var token = window.liff.getIDToken();
    if (!token) {
      say('ไม่ได้รับข้อมูลยืนยันตัวตนจาก LINE ค่ะ กรุณาปิดหน้านี้แล้วเปิดใหม่อีกครั้งค่ะ');
      return;
    }
    return fetch(box.dataset.sessionUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ idToken: token, nonce: box.dataset.nonce })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok && body.next) { window.location.replace(body.next); return; }
        if (body.again && !window.liff.isInClient()) {
          // An outside browser kept an ID token that has been used: ask LINE for a new one.
          window.liff.logout();
          window.liff.login();
          return;
        }
        say(body.error || 'เข้าแดชบอร์ดไม่สำเร็จค่ะ กรุณาลองใหม่อีกครั้งค่ะ');
      });
    });
  }

  if (!window.liff) {
    say('เปิดหน้านี้ได้จากแอป LINE เท่านั้นค่ะ หรือพิมพ์ แดชบอร์ด ในแชตเพื่อขอลิงก์ค่ะ');
    return;
  }
  window.liff.init({ liffId: box.dataset.liffId }).then(function () {
    if (!window.liff.isLoggedIn()) { window.liff.login(); return; }
    return signIn();
  }).catch(function () {
    say('เชื่อมต่อกับ LINE ไม่สำเร็จค่ะ กรุณาลองใหม่อีกครั้งค่ะ');
  });
})();
