"""Name tables for the generator: frequent French family names and first names, as a registry writes them.

Family names are upper case and keep their accents, particles, apostrophes and spaces ("LEFÈVRE",
"DE LA FONTAINE", "N'DIAYE", "LE GALL"); first names are capitalised and include composite ones
("Jean-Pierre", "Marie-Hélène"), so every consumer meets the hard cases of identity matching.
"""

from __future__ import annotations

FAMILY_NAMES: tuple[str, ...] = tuple("""
MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFÈVRE LEROY ROUX DAVID
BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEBVRE FAURE ANDRÉ
MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER FRANÇOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN
NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOËL MEYER DUFOUR
MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GÉRARD ROCHE
RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER
PHILIPPE BOURGEOIS PIERRE BENOÎT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY
GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY
ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRÉ CHARLES RENAULT CHARPENTIER MÉNARD MAILLARD
BARON BERTIN BAILLY HERVÉ SCHNEIDER FERNANDEZ COLLET LÉGER BOUVIER JULIEN PRÉVOST MILLET PERROT DANIEL
COUSIN GERMAIN BRETON BESSON LANGLOIS RÉMY PELLETIER LÉVÊQUE PERRIER LEBLANC BARRÉ LEBRUN MARCHAL WEBER
MALLET HAMON BOULANGER JACOB MONNIER MICHAUD RODRIGUEZ GUICHARD GILLET ÉTIENNE GRONDIN HOARAU NGUYEN TRAN
PEREIRA FERREIRA HADDAD MANSOURI BENSAÏD DIALLO TRAORÉ DIOP KONÉ CISSÉ COHEN LÉVY ROSSI SCHMIDT YILMAZ
ÖZTÜRK KOWALSKI WAGNER FISCHER
""".split()) + (
    "LE GALL", "LE ROUX", "LE GOFF", "LE BRIS", "DA SILVA", "DOS SANTOS", "DE SOUSA", "D'ALMEIDA", "N'DIAYE",
    "N'GUESSAN", "DE LA FONTAINE", "DU PONT DE NEMOURS", "MARIE-SAINTE", "SAINT-PRIX", "O'CONNOR",
)

MALE_FIRST_NAMES: tuple[str, ...] = tuple("""
Jean Pierre Michel André Philippe Alain Jacques Bernard Daniel Patrick Christian Nicolas Éric Frédéric Laurent
Stéphane Olivier Thierry David Sébastien Julien Christophe Pascal François Gérard Dominique Thomas Alexandre
Antoine Maxime Guillaume Romain Vincent Kévin Jérôme Mathieu Lucas Hugo Louis Gabriel Arthur Jules Raphaël
Léo Adam Nathan Paul Ethan Noé Timéo Mohamed Karim Mehdi Youssef Rayan Ibrahim Amadou Moussa Henri René
Marcel Roger Georges Lucien Raymond Émile Léon Maël Loïc Gaël Joël Noël Benoît Aurélien Cédric Jérémy
Grégoire Timothée Bastien Valentin Clément Théo Enzo Matteo Anthony
Jean-Pierre Jean-Claude Jean-Luc Jean-Marc Jean-François Jean-Baptiste Pierre-Alain Marc-Antoine Jean-Marie
""".split())

FEMALE_FIRST_NAMES: tuple[str, ...] = tuple("""
Marie Nathalie Isabelle Sylvie Catherine Françoise Christine Monique Valérie Sandrine Véronique Sophie
Stéphanie Céline Aurélie Julie Émilie Camille Léa Manon Chloé Emma Jade Louise Alice Lina Rose Anna Inès Zoé
Léna Ambre Agathe Juliette Clémence Mathilde Hélène Geneviève Jeanne Thérèse Simone Madeleine Yvette Josiane
Annick Gaëlle Maëlle Noémie Océane Laëtitia Anaïs Élodie Mélanie Audrey Pauline Margaux Fatima Aïcha Khadija
Yasmine Amina Fatoumata Aminata Béatrice Brigitte Danièle Élise Éloïse Maïwenn Solène Anne Claire Lucie
Sarah Laura Marine Charlotte Eva Nina Mia Dominique
Marie-Claire Marie-Christine Anne-Sophie Marie-Hélène Anne-Marie Marie-Thérèse Marie-José Marie-Ange
""".split())

# Street names for generated addresses (type and name; the number is drawn).
STREETS: tuple[str, ...] = (
    "rue de la République", "avenue Jean Jaurès", "place de la Mairie", "rue Victor Hugo", "boulevard Gambetta",
    "rue Pasteur", "avenue de la Gare", "rue du Général de Gaulle", "rue des Écoles", "chemin des Vignes",
    "rue Nationale", "allée des Tilleuls", "rue Jules Ferry", "avenue du Maréchal Foch", "rue de l'Église",
    "impasse des Lilas", "rue Émile Zola", "quai des Chartrons", "cours Lafayette", "route de Paris",
)
