// The page's one door to shared/: its browser entry point (shared/src/browser.ts), with the catalogue
// of labels, states and rules (the tracker's transition table), the contracts and the feed's client.
export * from '../../../../shared/src/browser';
