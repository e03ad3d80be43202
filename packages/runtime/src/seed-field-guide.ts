import type { AppServices } from './services.ts';

/** Short field notes, so a first run shows knowledge retrieval with real documents. */
const FIELD_NOTES = [
  {
    title: 'Tides',
    mediaType: 'text/markdown' as const,
    content: `# Tides

The Moon's gravity pulls the ocean into two bulges, one facing the Moon and one on the far side. As the
Earth turns beneath them, most coasts see two high tides and two low tides a day, about 12 hours and
25 minutes apart.

## Spring and neap tides

When the Sun and Moon line up, at new and full moon, their pulls add up: spring tides rise highest.
At the quarter moons they pull at right angles and the range is smallest: neap tides.`,
  },
  {
    title: 'Volcanoes',
    mediaType: 'text/markdown' as const,
    content: `# Volcanoes

Magma rises because it is lighter than the rock around it. Gas dissolved in it (water vapour, carbon
dioxide) comes out of solution as the pressure drops, like bubbles in an opened bottle.

## Explosive or effusive

Sticky, silica-rich magma traps the gas and erupts explosively, throwing out ash. Runny basalt lets the
gas escape and pours out as lava flows, as in Hawaii and Iceland.`,
  },
  {
    title: 'Coral reefs',
    mediaType: 'text/plain' as const,
    content: `Coral reefs are built by colonies of tiny animals, polyps, that lay down skeletons of calcium carbonate.
Algae living inside the polyps feed them sugar from photosynthesis and give corals their colour. When the
water stays too warm for weeks, the polyps expel the algae and turn white: coral bleaching. Reefs cover
less than one percent of the sea floor yet shelter about a quarter of all marine species.`,
  },
  {
    title: 'Monsoons',
    mediaType: 'text/plain' as const,
    content: `A monsoon is a seasonal reversal of winds. In summer the land heats faster than the sea, warm air rises
over it, and moist ocean air flows in and falls as heavy rain. In winter the pattern reverses and dry air
flows from land to sea. The South Asian monsoon brings India about three quarters of its yearly rain
between June and September.`,
  },
];

/**
 * On a first start, a second demo: a knowledge repository of field notes and an assistant that
 * searches it and calls tools, so a new user sees every kind of event in the live view. Both are
 * shared with everyone and owned by nobody.
 */
export async function seedFieldGuide(services: AppServices): Promise<void> {
  const repository = await services.knowledge.createRepository({
    name: 'Field notes',
    description: 'Short notes on tides, volcanoes, coral reefs and monsoons.',
    ownerId: null,
    visibility: 'shared',
  });
  await services.knowledge.addDocuments(repository.id, FIELD_NOTES);
  await services.assistants.create({
    name: 'Field Guide',
    description: 'Answers a nature question from the field notes, then works out a number with the calculator.',
    ownerId: null,
    visibility: 'shared',
    inputVariables: [{ name: 'question', label: 'Question', type: 'textarea', required: true, description: 'For example: why are there two tides a day?' }],
    prompts: [
      {
        name: 'Look it up',
        position: 1,
        modelId: 'local',
        repositoryIds: [repository.id],
        searchType: 'hybrid',
        enabledTools: ['search_knowledge'],
        content: 'Answer from the field notes: {{question}}',
      },
      {
        name: 'Work it out',
        position: 2,
        modelId: 'local',
        enabledTools: ['calculator', 'current_time'],
        content:
          'Add one number to this answer: {{output:Look it up}} High tides in a year: [[tool:calculator {"expression": "365.25 * 24 / 12.42"}]] As of [[tool:current_time {}]]',
      },
    ],
  });
}
