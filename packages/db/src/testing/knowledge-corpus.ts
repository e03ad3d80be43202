import type { NewKnowledgeDocument } from '../knowledge/document-ingestion.ts';

/** Twelve short documents on distinct topics, four of them Markdown, for retrieval tests with known answers. */
export const KNOWLEDGE_CORPUS: NewKnowledgeDocument[] = [
  {
    title: 'Photosynthesis',
    mediaType: 'text/markdown',
    content: `# Photosynthesis

Plants, algae and some bacteria capture the energy of sunlight and store it as sugar.

## Light reactions

In the thylakoid membranes of the chloroplast, chlorophyll absorbs red and blue light. The absorbed energy
splits water molecules, releasing oxygen as a by-product, and charges the carriers ATP and NADPH.

## Calvin cycle

In the stroma, the enzyme RuBisCO fixes carbon dioxide from the air. Powered by ATP and NADPH, the cycle
builds glucose, which the plant burns for energy or links into starch and cellulose.`,
  },
  {
    title: 'Solar panels',
    mediaType: 'text/plain',
    content: `A solar panel is built from photovoltaic cells made of doped silicon. When photons strike a cell they
knock electrons loose, and the junction between two silicon layers pushes those electrons into a circuit
as direct current. An inverter converts the direct current into alternating current for the household grid.

Typical rooftop modules convert about twenty percent of incoming sunlight into electricity. Output drops
when cells get hot or are shaded, which is why installers angle panels toward the sun and leave a gap for air.`,
  },
  {
    title: 'Volcanoes',
    mediaType: 'text/markdown',
    content: `# Volcanoes

A volcano is an opening in the crust where molten rock, ash and gas escape from below.

## Why they erupt

Magma forms where tectonic plates pull apart or where one plate sinks beneath another. Being lighter than the
surrounding rock, magma rises into a chamber. Dissolved gases expand as the pressure falls, and when the
pressure exceeds the strength of the overlying rock the mountain erupts.

## Kinds of eruption

Runny basalt lava flows gently from shield volcanoes such as those of Hawaii. Sticky, gas-rich magma
explodes violently, throwing ash and pumice high into the atmosphere.`,
  },
  {
    title: 'Sourdough bread',
    mediaType: 'text/plain',
    content: `Sourdough bread rises without commercial yeast. The baker keeps a starter, a paste of flour and water
colonised by wild yeast and lactic acid bacteria, and feeds it fresh flour every day. The bacteria produce the
sour taste, and the yeast produces the gas that leavens the dough.

A loaf takes time: mix the dough, let it ferment in bulk for several hours with a few folds, shape it, proof it
overnight in the refrigerator, and bake it in a very hot covered pot so the crust blisters and browns.`,
  },
  {
    title: 'Coral reefs',
    mediaType: 'text/markdown',
    content: `# Coral reefs

Reefs are built by colonies of tiny animals called polyps, which secrete skeletons of calcium carbonate.

## Coral bleaching

Polyps live in partnership with microscopic algae that feed them through photosynthesis and give corals
their colour. When the sea stays too warm for weeks, the stressed polyps expel the algae and turn white.
Bleached coral can recover if the water cools, but repeated marine heatwaves kill whole reefs.`,
  },
  {
    title: 'TCP connections',
    mediaType: 'text/plain',
    content: `TCP gives applications a reliable, ordered byte stream over an unreliable network. A connection opens
with a three-way handshake: the client sends SYN, the server answers SYN-ACK, and the client replies ACK.

Every byte carries a sequence number. The receiver acknowledges what arrived; segments that are not
acknowledged before a timeout are retransmitted. Congestion control grows the sending window slowly and
halves it when packets are lost, so that many connections share a link fairly.`,
  },
  {
    title: 'Roman aqueducts',
    mediaType: 'text/plain',
    content: `Roman engineers carried fresh water to cities through aqueducts that ran for dozens of kilometres. The
channels relied on gravity alone, descending at a gentle, carefully surveyed gradient from a spring in the
hills. Where a valley crossed the route, masonry arches carried the channel high above the ground, as at
the Pont du Gard. In the city, water filled public fountains, baths and the houses of the wealthy.`,
  },
  {
    title: 'Honeybees',
    mediaType: 'text/markdown',
    content: `# Honeybees

A hive holds one queen, a few hundred drones and tens of thousands of female worker bees.

## The waggle dance

A forager that has found rich flowers returns to the hive and dances on the comb. The angle of her waggle
run tells her sisters the direction of the flowers relative to the sun, and the length of the run tells them
the distance.

## Pollination

While gathering nectar and pollen, bees carry pollen from flower to flower and pollinate fruit trees and
many crops.`,
  },
  {
    title: 'Marathon training',
    mediaType: 'text/plain',
    content: `Preparing for a marathon takes about four months of steady running. Most weekly mileage should be
easy, at a conversational pace, with one long run that grows each week to around thirty kilometres.
Interval sessions and tempo runs raise the lactate threshold. In the final three weeks runners taper,
cutting mileage so that the legs recover, and on race day they drink and take carbohydrate gels early.`,
  },
  {
    title: 'Vaccines',
    mediaType: 'text/plain',
    content: `A vaccine trains the immune system with a harmless piece or weakened form of a pathogen. The body
responds by making antibodies and memory cells that recognise the antigen. If the real virus or bacterium
arrives later, memory B cells and T cells react within days instead of weeks, so the infection is stopped
before it causes serious disease. Booster doses renew fading immunity.`,
  },
  {
    title: 'Git branching',
    mediaType: 'text/markdown',
    content: `# Git branching

A Git repository records history as a graph of commits, each pointing to its parent.

## Branches

A branch is a movable pointer to a commit. Create one with \`git switch -c feature\`, commit your work on it,
and the main branch stays untouched.

## Merge or rebase

Merging joins two histories with a merge commit. Rebasing replays your commits on top of another branch,
giving a linear history; never rebase commits that others have already pulled.`,
  },
  {
    title: 'Ocean tides',
    mediaType: 'text/plain',
    content: `Tides are the regular rise and fall of sea level. The gravity of the moon pulls the ocean into a bulge on
the side of the earth facing it, and inertia raises a second bulge on the far side, so most coasts see two
high tides and two low tides each day. When the sun and moon line up at new and full moon, their pulls add
together and produce spring tides with the largest range.`,
  },
];

/**
 * Queries and the document each should find first. `exact` queries use the document's words,
 * `question`s are phrased in full (not every word occurs in the answer), `inflected` ones use no
 * word exactly as the document spells it, only other forms of its words.
 */
export const KNOWLEDGE_QUERIES: Array<{ query: string; expected: string; kind: 'exact' | 'question' | 'inflected' }> = [
  { query: 'waggle dance', expected: 'Honeybees', kind: 'exact' },
  { query: 'sourdough starter', expected: 'Sourdough bread', kind: 'exact' },
  { query: 'three-way handshake', expected: 'TCP connections', kind: 'exact' },
  { query: 'coral bleaching', expected: 'Coral reefs', kind: 'exact' },
  { query: 'RuBisCO carbon dioxide', expected: 'Photosynthesis', kind: 'exact' },
  { query: 'How do bees tell each other where to find flowers?', expected: 'Honeybees', kind: 'question' },
  { query: 'Why does the sea rise twice a day?', expected: 'Ocean tides', kind: 'question' },
  { query: 'What makes a volcano erupt?', expected: 'Volcanoes', kind: 'question' },
  { query: 'How did the Romans bring water to their cities?', expected: 'Roman aqueducts', kind: 'question' },
  { query: 'how should I taper before race day', expected: 'Marathon training', kind: 'question' },
  { query: 'antibody vaccines', expected: 'Vaccines', kind: 'inflected' },
  { query: 'rebased histories', expected: 'Git branching', kind: 'inflected' },
  { query: 'photon knocking an electron', expected: 'Solar panels', kind: 'inflected' },
];
