() => {
  // Show each new answer from its start (Gradio would scroll to its end), below the pinned
  // safeguarding route, so the first thing staff read is the route and the answer's first line.
  const shown = new WeakMap();  // answer element -> when it was first aligned
  const SETTLE_MS = 1500;  // keep aligning while the first sections and the pin render
  const BELOW_LABEL = 40;  // the panel's own label sits over its first line

  const scroller = (el) => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight) return box;
    }
    return null;
  };
  const pinBottom = () => {
    const pin = document.getElementById("route-pin");
    if (!pin || pin.offsetParent === null) return 0;
    return Math.max(0, pin.getBoundingClientRect().bottom);
  };
  const align = (answer) => {
    const box = scroller(answer);
    if (box) box.scrollTop += answer.getBoundingClientRect().top - box.getBoundingClientRect().top - BELOW_LABEL;
    const top = answer.getBoundingClientRect().top;
    const limit = pinBottom();
    if (top < limit || top > window.innerHeight - 120) window.scrollBy({ top: top - limit - 8 });
  };
  const check = () => {
    const answers = document.querySelectorAll("#answers [data-testid='bot']");
    const last = answers[answers.length - 1];
    if (!last) return;
    const first = shown.get(last);
    if (first === undefined) shown.set(last, Date.now());
    if (first === undefined || Date.now() - first < SETTLE_MS) requestAnimationFrame(() => align(last));
  };
  new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
}
