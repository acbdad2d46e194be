/*
 * The look of Zoho Desk's ticket right panel: light and dense, the system font at 13px, flat controls with 4px
 * corners, blue accents (#0a73eb for actions, #2196F3 for focus and information). Every rule is scoped under `.wbz`
 * (the kit's root), so the panel neither takes nor leaves styles in the page that hosts it. Plain CSS a jsdom can
 * parse too: no nesting.
 */
export const zohoCss = `
.wbz {
  --wbz-text: #2b2f36;
  --wbz-text-subtle: #737a85;
  --wbz-border: #d5d9e0;
  --wbz-border-light: #e8ebef;
  --wbz-surface-recessed: #f5f7fa;
  --wbz-action: #0a73eb;
  --wbz-action-hover: #0862c8;
  --wbz-focus: #2196f3;
  --wbz-focus-ring: 0 0 0 2px rgba(33, 150, 243, 0.3);
  --wbz-danger: #d93025;
  box-sizing: border-box;
  color: var(--wbz-text);
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans JP", sans-serif;
  font-size: 13px;
  line-height: 18px;
  background: #fff;
}
.wbz *, .wbz *::before, .wbz *::after { box-sizing: inherit; }
.wbz p { margin: 6px 0; }
.wbz ul, .wbz ol { margin: 0; }

.wbz-heading { margin: 0; color: var(--wbz-text); font-weight: 600; }
.wbz-heading--2 {
  font-size: 13px;
  padding-bottom: 6px;
  border-bottom: 1px solid var(--wbz-border-light);
}
.wbz-heading--3 { font-size: 13px; }
.wbz-heading--4 { font-size: 12px; color: var(--wbz-text-subtle); }

.wbz-text--small { font-size: 12px; line-height: 16px; color: var(--wbz-text-subtle); }
.wbz-text--medium { font-size: 13px; }
.wbz-text--bold { font-weight: 600; color: var(--wbz-text); }
.wbz-text--danger { color: var(--wbz-danger); }

/* Every control: flat, 28px high, 4px corners, a blue ring when focused. */
.wbz-button, .wbz-input {
  min-height: 28px;
  border: 1px solid var(--wbz-border);
  border-radius: 4px;
  background: #fff;
  color: var(--wbz-text);
  font: inherit;
}
.wbz-button:hover, .wbz-input:hover { border-color: #b9c0ca; }
.wbz-button:focus-visible, .wbz-input:focus { outline: none; border-color: var(--wbz-focus); box-shadow: var(--wbz-focus-ring); }

.wbz-button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  padding: 4px 12px;
  font-weight: 500;
  cursor: pointer;
}
.wbz-button:hover { background: #f7f9fb; }
.wbz-button:disabled { opacity: 0.5; cursor: not-allowed; }
.wbz-button--small { min-height: 24px; padding: 2px 10px; font-size: 12px; }
.wbz-button--stretched { width: 100%; }
.wbz-button--primary { border-color: var(--wbz-action); background: var(--wbz-action); color: #fff; }
.wbz-button--primary:hover { border-color: var(--wbz-action-hover); background: var(--wbz-action-hover); }
.wbz-button--primary:disabled:hover { border-color: var(--wbz-action); background: var(--wbz-action); }
.wbz-button--basic { border-color: transparent; background: transparent; color: var(--wbz-action); }
.wbz-button--basic:hover { border-color: transparent; background: #eef5fe; }

.wbz-field { display: block; }
.wbz-field__label { display: block; margin-bottom: 3px; font-size: 12px; font-weight: 500; color: #4a505a; }
.wbz-field__hint { margin-bottom: 4px; font-size: 12px; line-height: 16px; color: var(--wbz-text-subtle); }
.wbz-field__error { margin-top: 4px; font-size: 12px; line-height: 16px; color: var(--wbz-danger); }

.wbz-input { display: block; width: 100%; padding: 4px 8px; }
.wbz-input::placeholder { color: #a3a9b3; }
.wbz-input:disabled { background: var(--wbz-surface-recessed); color: var(--wbz-text-subtle); cursor: not-allowed; }
.wbz-input[aria-invalid="true"] { border-color: var(--wbz-danger); }
.wbz-textarea { resize: vertical; field-sizing: content; }
.wbz-select {
  appearance: none;
  padding-right: 24px;
  background-image: url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='10' height='6'%3E%3Cpath d='M1 1l4 4 4-4' fill='none' stroke='%23737a85' stroke-width='1.5'/%3E%3C/svg%3E");
  background-repeat: no-repeat;
  background-position: right 8px center;
  text-overflow: ellipsis;
}

.wbz-notice {
  margin: 6px 0;
  padding: 8px 10px;
  border: 1px solid;
  border-left-width: 3px;
  border-radius: 4px;
  font-size: 12px;
  line-height: 16px;
}
.wbz-notice__text { margin: 0; }
.wbz-notice__text + .wbz-notice__text { margin-top: 4px; }
.wbz-notice .wbz-button { margin-top: 6px; }
.wbz-notice--info { border-color: #b6dafb; border-left-color: var(--wbz-focus); background: #eef6fe; }
.wbz-notice--success { border-color: #bfe3cb; border-left-color: #1e9e55; background: #eff9f2; }
.wbz-notice--warning { border-color: #f6dcaa; border-left-color: #f29a0e; background: #fff8ea; }
.wbz-notice--error { border-color: #f5c2be; border-left-color: var(--wbz-danger); background: #fdf0ef; }

.wbz-callout { padding: 8px 10px; border-radius: 4px; background: var(--wbz-surface-recessed); }
.wbz-callout__title { font-weight: 600; }
.wbz-callout__text { margin: 2px 0 0; font-size: 12px; line-height: 16px; color: var(--wbz-text-subtle); }

.wbz-tag {
  display: inline-flex;
  align-items: center;
  height: 20px;
  padding: 0 8px;
  border-radius: 4px;
  font-size: 11px;
  font-weight: 600;
  white-space: nowrap;
}
.wbz-tag--neutral { background: #eceff3; color: #4a505a; }
.wbz-tag--info { background: #e3f0fd; color: #0a5fc2; }
.wbz-tag--success { background: #e1f5e8; color: #17793f; }
.wbz-tag--warning { background: #fff1d6; color: #94570a; }
.wbz-tag--danger { background: #fde7e5; color: #b3261e; }
.wbz-tag--highlight { background: #e4f5f3; color: #0f7167; }

.wbz-skeleton {
  height: 12px;
  margin: 6px 0;
  border-radius: 3px;
  background: linear-gradient(90deg, #eceff3 25%, #f6f7f9 50%, #eceff3 75%);
  background-size: 200% 100%;
  animation: wbz-shimmer 1.4s ease-in-out infinite;
}
@keyframes wbz-shimmer { from { background-position: 100% 0; } to { background-position: -100% 0; } }
@media (prefers-reduced-motion: reduce) { .wbz-skeleton { animation: none; } }
`;
