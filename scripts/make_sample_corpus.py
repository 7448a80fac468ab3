#!/usr/bin/env python3
"""Write resources/sample_corpus.csv, llmstudio's bundled sample corpus.

The corpus is synthetic: every answer below was written by hand for the
llmstudio project; none comes from a real respondent. Released under CC0 1.0
(see resources/SAMPLE_CORPUS.md).

Survey question: "What is the most important issue facing your local area,
and how do you feel about how it is being handled?"

Each row below is (group, region, age_group, intended_sentiment, text) with an
optional sixth element, the earliest plausible date for that answer (used when
the text refers to a dated event). The intended sentiment (N negative,
P positive, U neutral, M mixed) is kept here only as a note to the authors; it
is not written to the CSV.

Dates are drawn from a fixed-seed random generator, so running this script
always reproduces the same file byte for byte:

    python3 scripts/make_sample_corpus.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "sample_corpus.csv"
SEED = 20240108

GROUPS = {
    "L": "Labour",
    "C": "Conservative",
    "LD": "Liberal Democrat",
    "G": "Green",
    "R": "Reform",
    "N": "None",
}
REGIONS = {
    "NE": "North East",
    "NW": "North West",
    "YK": "Yorkshire",
    "MD": "Midlands",
    "LN": "London",
    "SW": "South West",
    "SC": "Scotland",
    "WA": "Wales",
}
AGES = {"a": "18-24", "b": "25-34", "c": "35-49", "d": "50-64", "e": "65+"}

WAVES = {
    1: (dt.date(2024, 1, 8), dt.date(2024, 3, 29)),
    2: (dt.date(2024, 4, 2), dt.date(2024, 6, 28)),
    3: (dt.date(2024, 7, 1), dt.date(2024, 9, 30)),
    4: (dt.date(2024, 10, 1), dt.date(2024, 12, 16)),
}

# --------------------------------------------------------------------------
# Wave 1: January to March 2024
# --------------------------------------------------------------------------
WAVE1 = [
    ("L", "NE", "b", "N", "Rent. Just rent. My landlord put it up £150 a month in January and nobody seems to care."),
    ("C", "SW", "e", "N", "Potholes on the lanes around here are a disgrace, I've had two tyres replaced since October. The council says there's no money but they always find money for consultants."),
    ("G", "LN", "b", "M", "Air quality. The ULEZ has honestly made a difference on my road, you can smell it, but the main road at the end is still gridlocked every morning and the buses are stuck in the same traffic."),
    ("N", "YK", "a", "U", "dunno, probably buses"),
    ("LD", "SW", "d", "P", "Our GP surgery has been excellent lately — new phone system, got an appointment the same week. Credit where it's due."),
    ("R", "MD", "d", "N", "Immigration. The hotel on the ring road has been used to house asylum seekers for over a year and the locals were never consulted. Not once. Fed up of being treated like we don't matter."),
    ("L", "SC", "c", "N", "The cost of everything. Food, energy, the kids' shoes. I work full time and still check my bank balance before I go to the shops. The government talk about the economy recovering but I don't see it."),
    ("N", "WA", "b", "U", "Probably the state of the roads and the lack of parking in town. Not sure who's responsible tbh."),
    ("C", "NW", "d", "P", "Crime has gone down on our estate since they brought back the neighbourhood officer. Feels safer walking the dog at night."),
    ("G", "SW", "c", "N", "Sewage in the river. Every time it rains the water company dumps into it and we're told it's \"within permits\". The kids can't paddle there any more. Absolutely shameful and nobody is being held to account."),
    ("L", "LN", "c", "N", "Housing, by a mile. My daughter is 29 and still in her childhood bedroom because a one-bed flat is £1,700 a month. The council waiting list is 8 years. I don't blame any one party but it's been ignored for decades."),
    ("R", "NE", "e", "N", "Nothing gets done. Same problems as 20 years ago."),
    ("LD", "SC", "d", "M", "Ferries! The mainland side is fine, it's the island services that are a shambles. Health centre is good though, the nurses are brilliant."),
    ("N", "MD", "a", "N", "no jobs for young people that arent zero hours or warehouse work. everyone i know wants to move to a city"),
    ("C", "YK", "e", "M", "Social care for the elderly. My husband is in a home and the fees are going up again in April. The staff are very kind to him and I understand costs rise, but it's a constant worry."),
    ("L", "WA", "d", "P", "Actually quite positive about the new school building in our village, took years of campaigning but it's finally open and the head is lovely."),
    ("L", "NW", "b", "P", "The canal towpath has been cleaned up and resurfaced, and there's a volunteer group planting along it every month. It's made such a difference to how the area feels — I walk it every day now."),
    ("N", "LN", "b", "U", "Housing costs I suppose, like everyone else."),
    ("R", "SW", "d", "N", "Illegal immigration and the small boats. It's not local exactly but it affects everything — housing, GP waiting lists, school places. Politicians of all colours have let us down."),
    ("L", "NE", "e", "N", "My energy bill. I'm 74 and I sit in the front room with a blanket so I don't have to put the heating on. That shouldn't happen in this country in 2024."),
    ("C", "MD", "c", "M", "Schools are good round here, which is why we moved, but the roads can't cope with the new housing estates. They built 600 houses and not one extra lane or bus."),
    ("LD", "LN", "b", "P", "Honestly? Things are okay. The library reopened, the high street has a couple of new independent shops and a lovely café. I feel lucky."),
    ("L", "SC", "c", "N", "A&E waits. Took my mum in with a suspected stroke and we were on a trolley in the corridor for 11 hours. The staff were doing their best but it's broken."),
    ("L", "YK", "b", "N", "Buses!!! The 4 stopped running after 7pm so I can't get home from my shift. Had to buy a car I can't afford."),
    ("G", "WA", "a", "U", "Climate change and whether the town will flood again. Not sure what the council is doing about it honestly, havent seen much."),
    ("R", "NW", "c", "N", "Crime. Shoplifting is out of control in town and the police don't even turn up. The staff in the Co-op just have to stand there and watch it happen."),
    ("N", "NE", "d", "U", "Jobs, jobs, jobs."),
    ("C", "SW", "d", "P", "Very pleased that the council has finally fixed the drainage on our road after the flooding in November. Took a while but they did a proper job."),
    ("L", "MD", "c", "N", "Childcare costs. £65 a day for nursery. Whoever decided the “free hours” were funded properly has never run a nursery or paid for one; ours just charges for “consumables” instead."),
    ("LD", "NW", "e", "M", "Social care. My neighbour has carers who come in four times a day; they're lovely but they get 15 minutes and half of that is spent on paperwork. It's not the carers' fault, it's how it's funded."),
    ("N", "LN", "c", "N", "Where do I start.\n\nRent on our two-bed went from £1,650 to £2,100 when the tenancy renewed. We both work, no kids yet, and we've basically given up on ever buying. Every viewing has 30 people at it.\n\nThe second thing is the state of the local hospital. My partner waited 9 months for a scan.\n\nI don't really feel like anyone in charge lives the same life we do. Not angry exactly, just tired."),
    ("C", "YK", "d", "U", "Traffic and parking in the town centre. The new one-way system is still being trialled so too early to say."),
    ("G", "SC", "b", "P", "The community garden project on the old bowling green has been brilliant — veg boxes for anyone who needs them, volunteers every Saturday. Proof that small things work."),
    ("R", "MD", "e", "N", "The town is dying. Empty shops, vape shops, charity shops. Nobody in charge cares about places like this."),
    ("L", "WA", "c", "N", "NHS dentists. There aren't any. I rang 14 practices across the county; none are taking NHS patients. My son has had toothache for a month."),
    ("N", "NW", "a", "U", "cost of living i guess"),
    ("L", "SW", "b", "M", "Housing. The new affordable homes by the station are a good start but \"affordable\" still means 80% of market rent, which nobody on local wages can actually afford."),
    ("LD", "MD", "d", "N", "Potholes, potholes, potholes. I've reported the same one on the high street 5 times through the app. It now has its own ecosystem."),
    ("C", "LN", "e", "U", "I'm not sure there's one issue. Perhaps crime, perhaps housing. I don't go out much these days."),
    ("G", "NE", "c", "N", "The proposed incinerator near the primary school. The council is ignoring residents' objections and the health risks. We've had three meetings and got no straight answers."),
    ("N", "SC", "d", "P", "Can't complain really. Bins get collected, roads are fine, the wee ones' school is good."),
    ("R", "YK", "d", "N", "The asylum hotel in town. I'm not against anybody personally but it's been handled terribly, no consultation, locals just told to accept it."),
    ("L", "NW", "c", "N", "Energy bills are still far too high. Standing charges went up again — I pay over £300 a year before I've even turned the kettle on. The energy companies are making record profits while we're rationing the heating."),
    ("N", "MD", "b", "U", "Probably jobs and wages. Most people I know work in the distribution centres."),
    ("C", "SW", "e", "P", "The local surgery is very good and so is the community hospital. We're fortunate here."),
    ("L", "LN", "a", "N", "Rent!! Paying £950 for a room in a shared flat with mould in the bathroom. Landlord won't fix it. Where am I supposed to go"),
    ("G", "YK", "b", "M", "Cycle lanes. The new ones on the ring road are great, the problem is they stop randomly and dump you into traffic. Half-finished thinking."),
    ("LD", "WA", "d", "N", "The hospital in Bangor is under huge pressure and people on Ynys Môn have to travel miles for basic appointments. Nobody in Cardiff seems to notice what happens up here."),
    ("N", "NE", "c", "U", "Drugs, mainly on the estate. The police have started doing more patrols so we'll see."),
    ("R", "SW", "c", "M", "Policing. We've got a new neighbourhood sergeant who actually answers emails, which is a first, but there's only so much one person can do across twenty villages."),
    ("L", "SC", "a", "P", "Honestly the free bus pass for under-22s has been a game changer for me. I get to college and work for nothing."),
    ("C", "MD", "d", "M", "Anti-social behaviour in the park, motorbikes tearing up the grass at night. To be fair the police have put some barriers in and it's calmer than last year, but it hasn't gone away."),
    ("N", "LN", "d", "U", "Hard to say. Housing is obviously a problem but I own my flat so it doesn't affect me directly."),
    ("G", "WA", "c", "P", "Really proud of our town's repair café and the new solar scheme on the school roofs. Small stuff but it's community-led and it works."),
    ("L", "YK", "d", "N", "Social care. My dad waited 4 months for an assessment after his fall and in that time he had two more falls. When help finally came it was one size fits all. My sister and I are basically his carers now on top of our jobs. Something has to give."),
    ("N", "NW", "b", "U", "Housing and transport, both equally."),
    ("C", "NE", "e", "N", "Police presence. You never see a bobby anymore. The station closed and now it's a block of flats."),
    ("R", "MD", "c", "P", "Credit where it's due, the new market hall has been a success. Local traders, decent food, busy on a Saturday. More of that and less of the rubbish."),
    ("LD", "SW", "e", "M", "Flooding. The Environment Agency did well to rebuild the flood wall but the fields upstream still drain straight into the village. Half a solution."),
    ("L", "LN", "b", "P", "Transport, and honestly it's the one thing that works here. The Elizabeth line has cut my journey to work by 25 minutes. I wish the rest of the country had something like it."),
    ("N", "SC", "b", "N", "mental health services. waited 14 months for CAMHS for my daughter. fourteen months. she's 13."),
    ("G", "NW", "a", "N", "So much litter and fly-tipping everywhere! The tip now charges for DIY waste so people just dump it in the lanes."),
    ("C", "SW", "d", "P", "Tourism picked up nicely last summer, good for the local businesses, and the town is looking smart. Long may it continue."),
    ("N", "WA", "e", "U", "The roads and the 20mph limit. I can see both sides of it."),
    ("N", "MD", "b", "P", "Jobs are actually alright round here at the minute, there's loads of vacancies and my firm just gave everyone a 6% pay rise. Can't complain."),
    ("R", "NE", "d", "N", "Our town has been forgotten. All the money goes to the cities in the south. Levelling up was just a slogan."),
    ("LD", "YK", "c", "P", "The new health hub opened in the old bank building and it's been excellent. Blood tests, physio and the pharmacy all under one roof."),
    ("N", "LN", "c", "M", "Knife crime worries me as a parent. The youth club reopening is a good sign, I just hope it's funded long-term and not for one year."),
    ("C", "MD", "e", "U", "I would say the state of the high street, but I don't know what could be done about it given online shopping."),
    ("N", "SC", "c", "N", "Loss of bus routes in rural areas. If you don't drive you are stuck. That's not green and it's not fair."),
    ("L", "NW", "d", "N", "Waiting lists. My hip replacement has been cancelled twice. I'm in pain every day and I can't work. I've paid into the system my whole life."),
    ("N", "SW", "a", "P", "Honestly the area's nice, lots to do in summer. Can't really think of an issue"),
    ("L", "WA", "b", "M", "Childcare — the expansion of funded hours in Wales is welcome, but our local provider has a waiting list of a year so it's not much use to us yet."),
    ("R", "YK", "e", "N", "Crime and immigration, in that order. Nobody listens to ordinary people anymore."),
    ("N", "NE", "b", "U", "Transport. I'd like to see more trains to Newcastle."),
]

# --------------------------------------------------------------------------
# Wave 2: April to June 2024
# --------------------------------------------------------------------------
WAVE2 = [
    ("L", "LN", "c", "N", "Temporary accommodation. My sister and her two kids have been in one room in a B&B for 7 months. The council keeps saying “soon”."),
    ("C", "SW", "d", "N", "Second homes and holiday lets pushing locals out. My son works full-time in the village pub and can't rent anything within 20 miles."),
    ("G", "YK", "c", "P", "The council planted 2,000 trees along the river path this spring and it already looks wonderful. More of this please 🌳"),
    ("N", "MD", "c", "U", "Everyone keeps talking about the election but locally the main issue is probably the roads.", "2024-05-22"),
    ("R", "NW", "d", "N", "Small boats. Handled appallingly by every government. People are angry and get called names for saying so."),
    ("LD", "LN", "b", "M", "The housing situation is awful but I do think the council is genuinely trying — they've built more social homes in the last 3 years than in the previous 20. It's just nowhere near enough."),
    ("L", "NE", "a", "N", "no decent jobs. i applied for 40 things last month and got 2 replies. apprenticeships round here all want experience, how am i meant to get experience"),
    ("C", "YK", "e", "P", "The GP surgery has been marvellous with my husband's diabetes care. Very grateful."),
    ("N", "SC", "d", "N", "Ferry cancellations, again. We had 3 weeks this spring with no reliable service and the shop ran out of fresh food. Whoever is in charge of the ferry contracts should come and live here for a month."),
    ("LD", "SW", "b", "P", "Really impressed with the new town council. They've set up a climate action group, opened a community orchard and got the schools involved. Feels like local democracy working for once."),
    ("L", "MD", "d", "N", "Social care for my mother-in-law. The council wants us to sell her house to pay for her care. She worked 45 years in the hosiery factory."),
    ("N", "LN", "a", "U", "Honestly not sure. Maybe safety at night?"),
    ("C", "NE", "d", "M", "The new business park has brought some jobs in, which is great, but they're mostly low-paid and the lorries are ruining the village road."),
    ("R", "WA", "c", "N", "20mph everywhere. Nobody asked for it, it's adding time to every journey and it's a cash cow for speed cameras."),
    ("LD", "SC", "c", "P", "Our local primary has got a new nurture room and the teachers are fab. Really positive."),
    ("L", "YK", "c", "N", "Food banks. The one at our church now serves 3x as many families as two years ago, including nurses and teaching assistants. That tells you everything."),
    ("N", "NW", "c", "P", "Our road was finally resurfaced in May and the difference is amazing. No more slaloming round craters on the school run. Whoever pushed for it, thank you.", "2024-05-20"),
    ("G", "LN", "a", "N", "Climate and nobody is taking it seriously enough. Local council declared a climate emergency in 2019 and then approved a new car park. ok then"),
    ("C", "MD", "d", "U", "Probably housing development. There are pros and cons."),
    ("N", "WA", "a", "N", "there's literally nothing to do here for young people. youth centre shut, buses stop at 6. no wonder kids hang around the chippy"),
    ("L", "SW", "e", "N", "They've closed the beds at the community hospital. Now the nearest one is 40 minutes away, which is no good when you're 80 and don't drive."),
    ("R", "MD", "d", "U", "Bins, roads and policing. Get the basics right first."),
    ("LD", "NW", "c", "M", "Schools are good but SEND support is a nightmare. Took 2 years and a tribunal to get my son's EHCP. The school itself was supportive; the council fought us at every stage."),
    ("N", "NE", "e", "P", "I'm quite content. Good neighbours, good bus service into town, the surgery is fine."),
    ("C", "LN", "c", "N", "Crime. Phone snatching is constant — my wife had hers taken outside the station in broad daylight. The police gave us a crime number and that was it."),
    ("G", "WA", "b", "M", "The new active travel route to the coast is lovely for walking, but the council also let them fell the old oaks by the leisure centre. One step forward, one step back."),
    ("L", "SC", "c", "N", "Cost of living still. Everyone says inflation is down but prices haven't gone back down, they've just stopped going up as fast. My pay hasn't caught up. My cousin in Dublin says it's the same there (€2,000 a month for a small flat) so it's not just us."),
    ("N", "MD", "b", "U", "Childcare and housing I'd say"),
    ("R", "SW", "e", "P", "The parish council has done a grand job with the village hall refurbishment. Local people, local money, no fuss. That's how it should be done."),
    ("L", "NW", "b", "P", "Actually feel a bit more hopeful — the new tram extension opened and it's cut my commute in half. Good to see investment in the north for once."),
    ("C", "YK", "c", "N", "Business rates are killing the high street. I run a small shop and I'm paying more in rates than in rent."),
    ("N", "LN", "d", "N", "The estate regeneration. They knocked down 400 council flats and are building 800 homes, of which 90 are \"social rent\". Where did everyone go?\n\nWe were told we'd have the right to return and now the terms have changed. I've lived here 31 years. My neighbours have been scattered across three boroughs and the old lady downstairs ended up in Essex."),
    ("LD", "SW", "c", "M", "The way the village came together after the flooding was brilliant — the hall became a hub and people turned up with sandbags, food, dry clothes. The council was slow, but the people were amazing."),
    ("N", "NE", "d", "U", "Environment generally. Not sure about the local specifics."),
    ("L", "MD", "e", "N", "My pension doesn't stretch like it used to. Everything costs more, and since the shop on the corner shut I have to get two buses to the big supermarket."),
    ("N", "SC", "a", "N", "rent in edinburgh is insane. £800 for a box room. students and young workers are getting priced out of the city they grew up in"),
    ("R", "YK", "c", "N", "The council wasted millions on a town centre \"regeneration\" that's just grey paving and some planters. Meanwhile the potholes on my road are a foot deep."),
    ("C", "WA", "e", "P", "Lovely place to live. Very happy with the health board this year, my cataract op was quick."),
    ("L", "LN", "d", "M", "Transport in London is good compared to elsewhere, I know that, but the Overground line near us has had weekend closures for months."),
    ("N", "NW", "d", "U", "The hospital, I'd say. Everyone round here has a story about waiting times."),
    ("G", "SC", "a", "P", "Loads of young people getting involved in local climate groups, feels like things are shifting. The council listened to us about the school streets scheme too."),
    ("LD", "MD", "c", "U", "Housing supply. There's a lot of building going on; whether it's the right type is another question."),
    ("N", "SW", "c", "U", "Public transport in the villages. There's talk of a demand-responsive bus, whatever that turns out to be."),
    ("L", "NE", "c", "N", "The schools are crumbling — literally. My son's school had part of the roof closed off because of RAAC. Two years in portacabins."),
    ("C", "SW", "d", "M", "Crime is low which is great, but the police response when something does happen is poor. We had a break-in at the farm and nobody came for two days."),
    ("R", "NW", "a", "N", "can't get on the housing ladder and everyone my age is the same. feels like the system is rigged for boomers and landlords"),
    ("N", "YK", "e", "U", "I'd say the buses, but I've got my bus pass so I can't grumble too much."),
    ("L", "LN", "c", "N", "The low-traffic neighbourhood was removed after a noisy campaign and now my road is a rat run again. Kids can't play out. Council caved."),
    ("L", "WA", "a", "P", "Cardiff's got loads going on, jobs are easier to find than they were. Rent's high but I'm doing ok."),
    ("C", "MD", "d", "N", "The smell from the new chicken farm. Planning was granted despite 300 objections. We can't open our windows in summer."),
    ("C", "LN", "b", "U", "Housing affordability, I imagine that's what everyone says."),
    ("LD", "YK", "e", "N", "Loneliness among older people. The day centre closed in the cuts and some of my friends now don't speak to anyone from one week to the next."),
    ("N", "NE", "b", "M", "Jobs are coming back slowly, the battery plant and that, but I'll believe it when I see local people actually getting hired."),
    ("R", "MD", "e", "N", "The country has gone to the dogs and our town is a good example."),
    ("L", "NW", "c", "P", "Our new family hub opened last month and it's brilliant for new mums. Baby groups, health visitor drop-ins, breastfeeding support. I've met so many people."),
    ("N", "SC", "e", "U", "The roads. It's the same every year after the winter."),
    ("G", "SW", "d", "M", "Farmers round here are doing wonderful things with hedgerows and wildflower margins. But the river is still a mess and the regulator seems to have no teeth."),
    ("C", "NE", "c", "P", "Good news story: the old colliery site is finally being turned into a business park and a country park. Jobs and green space. Took long enough!"),
    ("L", "LN", "e", "N", "I've been on the council housing list since 2011. I'm 68, in a private rent I can barely afford with my pension. I'll die on that list."),
    ("N", "WA", "c", "U", "Jobs and the local economy, I think. A lot depends on what happens with the steelworks."),
    ("LD", "LN", "d", "P", "The council has been very responsive about the new library hours and the park improvements. A lot of good work goes unreported."),
    ("R", "SW", "c", "N", "Every new house built goes to people from outside the area. Locals stay on the waiting list for years."),
    ("L", "YK", "d", "M", "I've thought about this a lot because I'm a nurse at the district hospital.\n\nThe biggest issue is the NHS, no question. We are short-staffed on every shift, we've had beds in corridors since last winter and I've seen colleagues in tears in the car park. People think it's a winter crisis. It's all year now.\n\nHaving said that, I don't want to be all doom. The new community diagnostic centre has taken a lot of pressure off outpatients, and the younger nurses coming through are fantastic. If they'd just fund the basics (staff, beds, social care so people can actually go home) we could turn it around.\n\nSo: frustrated, but not hopeless."),
    ("N", "MD", "a", "U", "Not really sure, I don't follow local stuff"),
    ("C", "SC", "d", "U", "Council tax levels and road maintenance. Both come up at every community council meeting."),
    ("C", "NW", "c", "N", "Flooding. Third time in 5 years our street has flooded. Insurance premium has tripled. The flood defence scheme keeps getting \"reviewed\"."),
    ("L", "MD", "b", "N", "Nursery fees = my rent. Literally the same amount. Why am I even working"),
    ("N", "LN", "b", "P", "I like where I live. Good transport, parks, lots of different people. Rent is high but that's London."),
    ("R", "NE", "c", "N", "Cost of living. Fuel, food, energy. And the politicians voting themselves pay rises."),
    ("LD", "WA", "e", "P", "Delighted that free prescriptions are still here in Wales. It makes a real difference to pensioners like me."),
    ("C", "YK", "d", "U", "Jobs in the local economy. The area relies a lot on the retail park."),
    ("L", "SC", "b", "N", "Housing emergency — that's what the council itself has called it. Declaring emergencies is easy; building homes isn't."),
    ("L", "NW", "e", "N", "The GP. You have to ring at 8am on the dot and you're number 37 in the queue, and by the time you get through all the appointments are gone. I'm 79, I'm not doing that every morning."),
    ("N", "MD", "b", "P", "the new nature reserve at the old quarry is gorgeous, saw kingfishers last weekend!! more like this please"),
    ("N", "SW", "d", "U", "Affordable housing for young people, and the number of holiday lets."),
]

# --------------------------------------------------------------------------
# Wave 3: July to September 2024
# --------------------------------------------------------------------------
WAVE3 = [
    ("C", "SW", "e", "N", "The winter fuel payment being taken away. I'm not rich, I'm just over the Pension Credit limit. I worked all my life and this is how I'm treated.", "2024-07-30"),
    ("L", "NE", "c", "M", "Glad there's been a change of government, honestly, but I'm waiting to see anything change locally. Our town's needs are the same as they were in June.", "2024-07-05"),
    ("G", "LN", "b", "N", "Heat. Our flat hit 31°C in July. No trees on the street, no shade, no air flow. The council's tree strategy is a PDF.", "2024-07-20"),
    ("N", "YK", "a", "U", "buses and rent"),
    ("R", "MD", "c", "N", "Crime, and letting prisoners out early. Who thought that was a good idea? Our local police are already stretched.", "2024-07-12"),
    ("LD", "SC", "d", "P", "The new path network around the loch is a triumph. The local trust did it with volunteers and lottery funding. Genuinely uplifting."),
    ("L", "WA", "d", "N", "The steelworks job losses. It's not just the workers, it's the cafés, the taxis, the suppliers. The whole town's heart is being ripped out and the transition money will never replace proper skilled jobs."),
    ("L", "NW", "b", "N", "Housing. My landlord served a section 21 so he can sell. Three weeks of searching and every place is either £300 more or wants a guarantor earning 36x the rent."),
    ("C", "LN", "d", "U", "Crime, transport, housing — the usual London list."),
    ("G", "SW", "a", "M", "The sea swimming group I'm in is such a lovely community, but we check the sewage alert map before every swim and that's not normal."),
    ("L", "MD", "e", "N", "Social care. My wife has dementia and I'm her carer. I'm 77. Respite was cut from 4 weeks a year to 2. I don't know how long I can keep going."),
    ("N", "NE", "d", "P", "Since the new bus company took over the routes are better and the drivers friendlier. Small thing but it makes a difference."),
    ("R", "SW", "d", "M", "Tourism. It keeps the place going and I'm glad of the trade, but this summer the single track lanes were jammed with camper vans and nobody thinks about the people who actually live here.", "2024-08-20"),
    ("LD", "NW", "c", "U", "I suppose the main one is school places, as the new estate has brought in lots of families."),
    ("N", "SC", "c", "N", "Drug deaths. We've lost 3 people from our street in 2 years. Services are there on paper but the waiting lists for rehab are months long."),
    ("C", "YK", "c", "P", "Our high street is actually thriving — new independent businesses, a Saturday market, and the café culture is really taking off. Feels like a corner has been turned."),
    ("L", "LN", "a", "N", "The cost of going out, the cost of staying in, the cost of everything. £7.50 for a pint. £1,100 for a room. My wages haven't moved since 2022."),
    ("G", "MD", "c", "P", "The council has started a proper food waste collection and rolled out garden waste bins to the whole town. About time, but well done."),
    ("N", "WA", "b", "U", "Probably the NHS waiting times, my mum's been waiting a while for a knee op."),
    ("L", "NW", "e", "M", "I'm pleased about the new government's plans for the NHS, but I'll need to see them deliver. The local hospital is still a wreck.", "2024-07-05"),
    ("R", "NE", "a", "N", "Town centre's full of boarded up shops and nobody is doing anything about it. No future here for young people."),
    ("C", "MD", "e", "P", "The new library and community hub is a real asset. I go to the Tuesday computer class and the staff are so patient with us oldies."),
    ("N", "LN", "c", "P", "Our primary school is outstanding, the local park got a new playground and there's a great community centre. We are lucky round here, I know that."),
    ("LD", "SW", "d", "N", "Dentistry. There is literally no NHS dentist within 50 miles taking adults. I ended up paying £480 for a filling and a check-up."),
    ("G", "NE", "b", "P", "The new community energy co-op has put solar panels on the sports club and the savings go back into the club. Would love to see more of this everywhere."),
    ("L", "YK", "b", "N", "I'm a teaching assistant on £17k. I can't afford to live in the town I work in. Something is very wrong."),
    ("N", "SC", "e", "U", "Not much really. Quiet place. The bus times could be better."),
    ("R", "YK", "e", "N", "Immigration, without a doubt. The town has changed beyond recognition and nobody ever asked us."),
    ("C", "NW", "b", "M", "Lots of positives — the new rail station, the leisure centre refurb — but crime in the town centre at night puts people off coming in."),
    ("L", "SW", "c", "N", "The lack of affordable childcare in rural areas. The nearest nursery with space is 12 miles away. I've had to go part-time."),
    ("N", "MD", "c", "N", "Fly tipping! Mattresses, fridges, builders' rubble, all dumped along the lane behind us. I report it, it's collected after 3 weeks, and a week later there's more."),
    ("G", "WA", "d", "U", "Flood risk along the river, and what the new plans from Natural Resources Wales will mean for the town."),
    ("LD", "LN", "c", "N", "Schools losing pupils because families can't afford to live here any more. Our primary is merging with the one down the road. It's the housing crisis by another name."),
    ("C", "NE", "e", "N", "Loneliness. My husband died last year and the only person I speak to some days is the woman in the post office. The lunch club closed."),
    ("L", "MD", "c", "P", "Sure there's problems, but I'm positive about the plans for workers' rights. My employer has already started talking about ending zero-hours contracts.", "2024-07-20"),
    ("C", "SW", "c", "U", "Rural transport and broadband. Both are patchy."),
    ("R", "NW", "d", "N", "Police only interested in what people post online, not real criminals. My van's been broken into 3 times. Not a single arrest."),
    ("N", "LN", "a", "M", "My area is changing, new flats everywhere. Some of it is nice, like the new food market, but it doesn't feel like it's for people like my family any more."),
    ("G", "SC", "d", "M", "The wind farm has been approved, which is good for the climate, but the community benefit money is going into a fund nobody local controls. The village is being treated like an afterthought."),
    ("L", "NE", "b", "N", "childcare. childcare. childcare."),
    ("N", "YK", "d", "P", "Good area, friendly people, my bins get emptied. What more can you want."),
    ("C", "WA", "d", "N", "The 300% council tax premium on second homes is driving away visitors and hurting businesses. Gwynedd's economy depends on tourism."),
    ("LD", "MD", "e", "M", "The care home my mum is in is lovely, really caring staff, but the turnover is terrible because they're paid so little. Every few weeks there's a new face and she gets confused."),
    ("G", "SW", "b", "N", "rents in Bristol are beyond a joke. 3 of my friends have moved back in with parents"),
    ("L", "LN", "d", "N", "Homelessness. Every doorway on the high street at night. It's gone from a few people to dozens. It's heartbreaking and it's a policy choice."),
    ("R", "MD", "a", "U", "Jobs and housing I suppose"),
    ("L", "NW", "c", "P", "Our school streets scheme is now permanent, the traffic outside the gates at drop-off is gone and more kids walk and cycle. Really pleased."),
    ("N", "SC", "b", "N", "GP surgery closed and merged with one 8 miles away. No direct bus. This is rural Scotland, folk are old, and it's just been imposed."),
    ("C", "NE", "e", "P", "The council has done a good job of the seafront. Looks a treat these days."),
    ("N", "MD", "c", "N", "I've lived on this estate for 22 years and I've never seen it like this.\n\nThe playground was removed in 2019 \"for safety\" and never replaced. The youth club closed. The community centre is now only open two mornings a week. There's a gang of lads, 13, 14 years old, who sit on the wall outside the shop every night and to be honest I don't blame them, where else are they going to go?\n\nThe police came to a residents' meeting once and promised targeted patrols. We saw them for a fortnight.\n\nEveryone says invest in young people. Nobody does it."),
    ("L", "YK", "a", "P", "the new skate park is class, finally somewhere for us to go"),
    ("LD", "SW", "e", "U", "Roads and rural buses. Not terrible, not good."),
    ("L", "NE", "c", "N", "I work in a care home. We're 8 staff short and the agency rates are crippling the owner. We can't recruit because the supermarket pays more. The residents deserve better and so do we."),
    ("R", "WA", "d", "N", "The Senedd wastes money on vanity projects while the hospitals fall apart."),
    ("C", "LN", "d", "M", "Police visibility has improved on the high street, I see officers most days now. Burglary round here is still a concern though."),
    ("G", "YK", "d", "N", "The new bypass will cut through ancient woodland and for what — to save 4 minutes? It's the 1980s all over again."),
    ("N", "NW", "a", "U", "mental health support for young people probably"),
    ("L", "SC", "d", "N", "The energy price cap going up again in October. We live in a cold, old house and we're already struggling. Scotland has the energy but we pay some of the highest bills.", "2024-08-23"),
    ("N", "MD", "e", "P", "The new surgery building is wonderful. Clean, bright, and the staff are very polite. They even have a little coffee corner."),
    ("C", "YK", "b", "N", "Housing. We earn decent money between us and still can't buy in the village we grew up in. Every new build is a 4 or 5 bed executive home."),
    ("R", "SW", "e", "N", "Winter fuel allowance cut. Disgraceful. Pensioners are an easy target.", "2024-07-30"),
    ("LD", "NE", "c", "U", "Local economy mainly, and the knock-on effect on the high street."),
    ("L", "LN", "c", "M", "Love my area — diverse, lively, good food, neighbours who look out for each other. But our rent takes 60% of our income and we're one boiler breakdown away from trouble."),
    ("N", "WA", "d", "M", "The A55 roadworks. Months of contraflows, though to be fair the new junction does look like it'll be better once it's finished. The trains are still awful."),
    ("G", "MD", "a", "N", "they keep building on the green belt near us and the new estates have no trees, no shops, no bus. just cars"),
    ("L", "NW", "d", "U", "Probably the NHS. I've not had much to do with it recently myself though."),
    ("C", "SC", "e", "P", "Very content with where we live. Good community, good health centre, and the roads have been resurfaced at last."),
    ("N", "SW", "c", "P", "Our kids' secondary has turned right round under the new head. Results up, behaviour better, and they actually reply to emails now. Really pleased."),
    ("R", "NE", "e", "U", "Policing and the high street. Those are the two things people talk about at the club."),
    ("LD", "WA", "b", "M", "The new bus network in our area is better planned than before, more direct routes. But fares went up, which cancels out some of the benefit."),
    ("N", "LN", "e", "P", "I feel safe here. There's a good mix of people, the neighbours keep an eye out for me and the community support officer pops into the lunch club now and then."),
    ("L", "MD", "d", "P", "The council's cost-of-living support team was really helpful — they helped me claim benefits I didn't know I was entitled to. Worth £80 a week."),
    ("G", "SW", "c", "N", "The water company gets fined £££ and still pays bonuses. The river is dying. I feel powerless."),
    ("N", "YK", "c", "U", "Traffic congestion in the town centre at rush hour."),
    ("C", "NW", "c", "U", "Unemployment, and the shift from manufacturing to warehousing and call centres."),
]

# --------------------------------------------------------------------------
# Wave 4: October to mid-December 2024
# --------------------------------------------------------------------------
WAVE4 = [
    ("C", "SW", "d", "N", "The inheritance tax changes for farms. My family has farmed here for four generations and we are asset-rich and cash-poor. This will finish small family farms.", "2024-10-31"),
    ("L", "NE", "c", "N", "Heating. Price cap went up again in October. I've got a prepayment meter and I can literally watch the money go."),
    ("G", "WA", "b", "N", "The floods were devastating for the valley. Same streets as 2020. The defences promised after last time are still “in design”."),
    ("N", "LN", "b", "U", "housing and transport"),
    ("R", "MD", "d", "N", "Businesses closing because of the employer national insurance rise. My mate's café is letting two staff go. That's the growth plan, is it?", "2024-10-31"),
    ("LD", "YK", "e", "P", "The autumn festival in the park was wonderful this year, the whole town came out. It's a good place to live."),
    ("L", "SC", "c", "M", "The council has finally started building council houses again, 120 on the old school site, which is great. Shame the rest of the town's housing is in such a poor state: damp, mould, single glazing."),
    ("C", "NW", "d", "P", "Honestly the walk-in centre has been brilliant this year. Took my grandson in with a nasty cut on a Sunday, seen within the hour, stitched up and home by lunch."),
    ("C", "LN", "e", "U", "I would say crime, although I've not been a victim myself."),
    ("G", "SC", "c", "P", "Really encouraged by the local heat network plans. The council actually consulted properly this time and listened."),
    ("N", "MD", "b", "N", "Buses are a joke. I waited an hour in the rain last Tuesday and 2 buses didn't turn up. The app said they were \"due\" the whole time. 😡"),
    ("L", "SW", "a", "N", "housing. my whole generation is going to rent forever and we know it"),
    ("R", "YK", "c", "N", "Immigration has got worse not better since the election. Nobody's in control."),
    ("N", "NE", "e", "M", "Social care. The carers who come to me are kind and I look forward to seeing them, but the council keeps changing the times and sometimes I don't get my tea until 8pm."),
    ("C", "WA", "c", "P", "The new leisure centre opened and it's fantastic, pool, gym, soft play. Well done to the council for once."),
    ("LD", "SW", "c", "M", "Potholes. The council's new repair crews are fixing them faster than before, I'll give them that, but after the wet autumn they're appearing quicker than anyone can fill them."),
    ("L", "MD", "c", "M", "I'm a teacher.\n\nBudgets are being cut again, we have children coming in hungry, and SEND provision is stretched beyond breaking. The pay rise was welcome but a chunk of it has come out of our existing school budget, so effectively we're paying for it with fewer staff.\n\nParents are brilliant and the kids are great. It's the funding that's the problem."),
    ("N", "LN", "c", "U", "Hard to pick one. Probably the affordability of everything."),
    ("G", "NW", "d", "N", "Cuts to the council's climate team. They've got one officer left to cover the whole borough. So much for the emergency."),
    ("N", "SC", "a", "P", "honestly my town's alright. good mates, decent part time job, the gym's cheap. no complaints"),
    ("R", "SW", "c", "N", "Council tax up 5% again. For what? Library open 2 days a week and the tip's shut on Wednesdays."),
    ("L", "YK", "e", "P", "The stroke unit at our hospital is first class. My husband had his stroke in October and the speed of the care, the physio, the follow-up — I can't praise them enough."),
    ("C", "NE", "d", "M", "The local economy is holding up better than I expected, the new logistics hub has been good for jobs, but the town centre is still struggling."),
    ("N", "WA", "c", "N", "Our village lost its bank, then its post office and now its bus. What's next."),
    ("LD", "LN", "a", "P", "Love the new cycleway near me. Cycling to work is so much safer now and quicker than the bus!"),
    ("L", "NW", "b", "P", "The expanded free childcare hours have made a massive difference. We're saving about £600 a month on nursery. First time in years we've had any breathing room."),
    ("LD", "MD", "d", "U", "Planning decisions around the new solar farm. I'm supportive in principle but waiting to see the detail."),
    ("N", "YK", "b", "P", "The trains have been much more reliable since the timetable change. I commute into Leeds every day and I've had maybe two delays since September."),
    ("R", "NE", "d", "N", "Energy bills are criminal. Net zero is a rich man's hobby and we're the ones paying for it."),
    ("C", "SC", "d", "U", "The roads, and whether the council has the money to maintain them."),
    ("L", "LN", "e", "M", "The GP practice is very good, can't fault them. The hospital is another matter entirely, I waited 18 months for a cataract operation."),
    ("N", "MD", "c", "N", "Wages. Everything goes up except what we get paid — food, council tax, car insurance (£1,200 a year for a 10-year-old Corsa!). Something's got to give."),
    ("G", "SW", "b", "P", "Beavers have been reintroduced on the estate up the valley and the wetland is already holding back flood water. Nature-based solutions actually work!"),
    ("N", "NE", "a", "U", "idk. nothing really affects me"),
    ("L", "WA", "e", "N", "Social care costs. My savings are going at £1,100 a week for Mam's care home and there's no end in sight. Nobody warns you about this."),
    ("C", "NW", "e", "P", "Very happy with the police here. They came out promptly when my shed was broken into and even caught the culprits."),
    ("LD", "SC", "b", "P", "The mountain bike trails and the new bunkhouse have brought loads of young visitors and a few new businesses. The village feels alive again."),
    ("L", "LN", "d", "N", "My block has had no working lift for 7 weeks. I'm on the 11th floor. My neighbour is in a wheelchair and is basically a prisoner. The housing association keeps saying parts are on order."),
    ("R", "MD", "b", "N", "Can't get a doctor's appointment, can't get a council house, can't afford a mortgage. But apparently everything's fine."),
    ("L", "YK", "c", "M", "I volunteer at the food bank and the generosity of people here has been amazing. Tells you what kind of town this is, even if the need shouldn't be there in the first place."),
    ("G", "LN", "c", "N", "Air pollution near the school. My son has asthma. They built the school next to the A-road and now the council wants to widen the junction."),
    ("N", "SW", "e", "U", "Just the usual: roads, buses and the doctors."),
    ("C", "YK", "d", "N", "A hostel for people with addictions was opened in the middle of a residential street with no consultation. Residents raised safety concerns and they've been ignored."),
    ("L", "NE", "d", "M", "The new government has been in a few months and I don't see much change round here yet. Maybe I was naïve to expect quick results. To be fair they inherited a mess, I'll give them a bit longer.", "2024-10-15"),
    ("N", "WA", "a", "P", "uni's been great so far, cardiff is a good city for students. cheap(ish) food, loads of green space, people are friendly"),
    ("LD", "NW", "d", "P", "Community spirit. Our road started a WhatsApp group during the floods and now we do a monthly litter pick and a street party in summer. It's been great."),
    ("R", "SW", "d", "N", "Mass housebuilding on farmland. Concreting over the countryside while the town centres rot."),
    ("N", "MD", "d", "U", "Local hospital being downgraded. Not sure what it'll mean yet."),
    ("G", "YK", "a", "N", "Bus fares going up to £3 from January! I'm a student, I rely on the bus. Climate-friendly transport should be cheaper, not more expensive.", "2024-10-31"),
    ("L", "SC", "e", "P", "I'd like to say something good for a change. The district nurses who came every day after my operation were wonderful, and the home care team had me back on my feet in three weeks."),
    ("C", "LN", "b", "P", "Honestly the area has improved a lot in the 5 years I've been here. Cleaner streets, better shops, a new park."),
    ("L", "NE", "c", "N", "Schools for kids with additional needs. There's one specialist school for the whole area and it's full. My lad is being taught in a corridor with a TA."),
    ("L", "MD", "a", "N", "Jobs that actually pay. I'm 23 with a degree and I'm stacking shelves on nights. The grad schemes are all in London."),
    ("R", "NW", "e", "U", "Immigration and housing."),
    ("LD", "WA", "c", "M", "Pleased the health board finally reopened the minor injuries unit, but it's only open 9 to 5 Monday to Friday. Accidents don't keep office hours."),
    ("N", "SC", "d", "N", "Potholes, seriously. Lost a wheel trim and a tyre on the same pothole two weeks apart. Reported it. Still there."),
    ("G", "NE", "c", "M", "The council is finally taking flooding seriously, new sustainable drainage on the estate, but it took years of residents pushing them."),
    ("C", "SW", "b", "U", "Housing supply and the cost of a first home."),
    ("L", "LN", "b", "N", "Damp and mould in council flats. My neighbour's toddler is always ill. After what happened in Rochdale you'd think they'd act fast. They haven't."),
    ("N", "YK", "e", "P", "The community transport minibus is a lifeline. Volunteers drive us to the hospital and the shops. God bless them."),
    ("R", "MD", "c", "N", "The police are useless. Someone stole my catalytic converter in broad daylight and they didn't even send someone round."),
    ("N", "NW", "c", "U", "Energy prices and food prices, mainly."),
    ("LD", "SW", "e", "M", "The most important issue here is that there are two communities living side by side that never meet: the people who have lived here all their lives and the people with second homes.\n\nI don’t say that with any bitterness; I came here myself from Surrey 30 years ago. But in winter half the cottages on our lane are dark. The school has 41 children where there were 90. The shop only survives because of the summer trade.\n\nThe council tax premium on second homes is a step in the right direction, and the new community land trust has built 12 homes for local families, which is wonderful. But it’s a drop in the ocean.\n\nI’d say I feel cautiously hopeful, more than I did five years ago."),
    ("L", "NE", "b", "N", "rent & bills. lost my job in august, applied for UC, waiting 5 weeks for the first payment while the landlord chases me. the system is designed to break you"),
    ("C", "MD", "d", "P", "Footfall is up in the town centre since the car park charges were scrapped. Best autumn the shop has had in years."),
    ("G", "LN", "a", "U", "Climate and housing, probably in that order."),
    ("N", "WA", "e", "N", "Ambulance waits. My neighbour lay on her kitchen floor for 6 hours with a broken hip. Six hours. In this day and age."),
    ("R", "YK", "d", "N", "Law and order. Shoplifters, drug dealers, lads on bikes in balaclavas. The police have given up."),
    ("L", "SC", "b", "P", "Really chuffed the funded nursery hours have gone up, it's making a real difference to us as a family. Means I can go back to work 3 days."),
    ("N", "SW", "d", "M", "Transport is better than it was, there's a new hourly bus to town, but it still doesn't run evenings or Sundays so it's no use for most jobs."),
    ("C", "NW", "d", "N", "Business crime. Our shop has been targeted 4 times this year. The insurance is now more than our profit."),
    ("N", "LN", "a", "P", "London's expensive but I love it here. Just got my first proper job, the Overground gets me there in 20 mins, and there's always something on."),
    ("LD", "MD", "c", "U", "Traffic and school places, both linked to the amount of new housing."),
    ("G", "SC", "e", "P", "Our wee town has gone all out on recycling and re-use: the community fridge, a tool library, repair days. The council and the volunteers working together. Heartening."),
    ("L", "YK", "d", "P", "Pleased to see the council's new apprenticeship scheme with the college. My nephew's on it, learning plumbing and getting paid. That's the kind of thing this town needs."),
]

FIELDS = ["response_id", "date", "wave", "group", "region", "age_group", "text"]


def build_rows() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    out: list[dict[str, str]] = []
    for wave, entries in ((1, WAVE1), (2, WAVE2), (3, WAVE3), (4, WAVE4)):
        start, end = WAVES[wave]
        dated = []
        for entry in entries:
            group, region, age, _sentiment, text = entry[:5]
            lo = max(start, dt.date.fromisoformat(entry[5])) if len(entry) > 5 else start
            day = lo + dt.timedelta(days=rng.randint(0, (end - lo).days))
            dated.append((day, group, region, age, text))
        dated.sort(key=lambda r: r[0])  # stable: ties keep list order
        for day, group, region, age, text in dated:
            out.append(
                {
                    "date": day.isoformat(),
                    "wave": str(wave),
                    "group": GROUPS[group],
                    "region": REGIONS[region],
                    "age_group": AGES[age],
                    "text": text,
                }
            )
    for i, row in enumerate(out, start=1):
        row["response_id"] = f"R{i:04d}"
    return out


def main() -> None:
    rows = build_rows()
    texts = [r["text"] for r in rows]
    assert len(rows) == 300, len(rows)
    assert len(set(texts)) == len(texts), "duplicate text"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
