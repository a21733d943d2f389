import { describe, expect, it } from 'vitest';
import { decodeStory, encodeStory, type Story } from './story';

const LAYERS = ['buildings', 'roads', 'labels'];
const story: Story = {
  title: 'Centre plan — phase 1',
  views: [
    {
      caption: 'The site today',
      camera: { center: [5.1214, 52.0907], zoom: 16, bearing: -18, pitch: 52 },
      layers: ['buildings', 'roads'],
      view: '3d',
      scenario: null,
      compare: false,
      at: null,
    },
    {
      caption: 'Tower “A” with the baseline on the left ✓',
      camera: { center: [5.12, 52.09], zoom: 17.25, bearing: 0, pitch: 0 },
      layers: ['roads'],
      view: '2d',
      scenario: '0b5c3a8e-4d1f-4c7a-9e2b-7f6d5c4b3a21',
      compare: true,
      at: '2026-11-30T08:00:00.000Z',
    },
  ],
};

describe('story links', () => {
  it('round-trips a story with non-ASCII captions through a URL-safe string', () => {
    const s = encodeStory(story);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeStory(s, LAYERS)).toEqual(story);
  });

  it('rejects a broken or empty story and drops unknown layers', () => {
    expect(decodeStory('not json', LAYERS)).toBeNull();
    expect(decodeStory(encodeStory({ title: '', views: [] }), LAYERS)).toBeNull();
    const odd = encodeStory({
      ...story,
      views: [{ ...story.views[0]!, layers: ['buildings', 'secret_staff_layer'] }],
    });
    expect(decodeStory(odd, LAYERS)?.views[0]?.layers).toEqual(['buildings']);
  });
});
