"""MedDRA-style coding table of every adverse event term the simulator can produce.

Term names follow MedDRA's English naming; the numeric codes are SYNTHETIC (MedDRA itself is
licensed): 8-digit numbers in 9xxxxxxx ranges that are stable between runs, one per distinct
term at each level (LLT 91..., PT 92..., HLT 93..., HLGT 94..., SOC 95...).
"""

from __future__ import annotations

import pandas as pd

SOCS = {
    "INF": "Infections and infestations",
    "SKIN": "Skin and subcutaneous tissue disorders",
    "NERV": "Nervous system disorders",
    "GEN": "General disorders and administration site conditions",
    "GI": "Gastrointestinal disorders",
    "ENDO": "Endocrine disorders",
    "BLOOD": "Blood and lymphatic system disorders",
    "NEO": "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "MUSC": "Musculoskeletal and connective tissue disorders",
    "PSY": "Psychiatric disorders",
    "RESP": "Respiratory, thoracic and mediastinal disorders",
    "CARD": "Cardiac disorders",
    "VASC": "Vascular disorders",
    "HEP": "Hepatobiliary disorders",
    "INJ": "Injury, poisoning and procedural complications",
}

# key | reported term (AETERM) | LLT | PT | HLT | HLGT | SOC key
_TABLE = """
RASH|RASH|Rash|Rash|Rashes, eruptions and exanthems NEC|Epidermal and dermal conditions|SKIN
RASHGEN|GENERALISED RASH|Rash generalised|Rash generalised|Rashes, eruptions and exanthems NEC|Epidermal and dermal conditions|SKIN
URTICARIA|URTICARIA|Urticaria|Urticaria|Urticarias|Epidermal and dermal conditions|SKIN
PRURITUS|ITCHING|Itching|Pruritus|Pruritus NEC|Epidermal and dermal conditions|SKIN
HEADACHE|HEADACHE|Headache|Headache|Headaches NEC|Headaches|NERV
DIZZINESS|DIZZINESS|Dizziness|Dizziness|Neurological signs and symptoms NEC|Neurological disorders NEC|NERV
PARAESTH|TINGLING IN HANDS|Tingling|Paraesthesia|Paraesthesias and dysaesthesias|Neurological disorders NEC|NERV
HYPOAESTH|NUMBNESS|Numbness|Hypoaesthesia|Paraesthesias and dysaesthesias|Neurological disorders NEC|NERV
STROKE|ISCHAEMIC STROKE|Ischaemic stroke|Ischaemic stroke|Central nervous system haemorrhages and cerebrovascular accidents|Central nervous system vascular disorders|NERV
PYREXIA|FEVER|Fever|Pyrexia|Febrile disorders|Body temperature conditions|GEN
CHILLS|CHILLS|Chills|Chills|Feelings and sensations NEC|General system disorders NEC|GEN
FATIGUE|FATIGUE|Fatigue|Fatigue|Asthenic conditions|General system disorders NEC|GEN
CHESTDISC|CHEST DISCOMFORT|Chest discomfort|Chest discomfort|General signs and symptoms NEC|General system disorders NEC|GEN
ILI|FLU-LIKE SYMPTOMS|Flu-like symptoms|Influenza like illness|Influenza like illness|General system disorders NEC|GEN
INJSITE|INJECTION SITE REACTION|Injection site reaction|Injection site reaction|Injection site reactions|Administration site reactions|GEN
NAUSEA|NAUSEA|Nausea|Nausea|Nausea and vomiting symptoms|Gastrointestinal signs and symptoms|GI
DIARRHOEA|DIARRHOEA|Diarrhoea|Diarrhoea|Diarrhoea (excl infective)|Gastrointestinal motility and defaecation conditions|GI
ILEUS|ADHESIVE ILEUS|Adhesive ileus|Ileus|Gastrointestinal atonic and hypomotility disorders NEC|Gastrointestinal motility and defaecation conditions|GI
PERITON|DIFFUSE PERITONITIS|Diffuse peritonitis|Peritonitis|Peritoneal and retroperitoneal infections and inflammations|Peritoneal and retroperitoneal conditions|GI
FLUSHING|FLUSHING|Flushing|Flushing|Peripheral vascular disorders NEC|Vascular disorders NEC|VASC
HAEMSHOCK|HAEMORRHAGIC SHOCK DUE TO DEEP LEFT BRACHIAL VEIN DAMAGE (ACCIDENT)|Haemorrhagic shock|Haemorrhagic shock|Circulatory collapse and shock|Decreased and nonspecific blood pressure disorders and shock|VASC
TACHY|TACHYCARDIA|Tachycardia|Tachycardia|Rate and rhythm disorders NEC|Cardiac arrhythmias|CARD
MI|MYOCARDIAL INFARCTION|Myocardial infarction|Myocardial infarction|Ischaemic coronary artery disorders|Coronary artery disorders|CARD
CVDEATH|CARDIOVASCULAR DISEASE|Cardiovascular disease|Cardiovascular disorder|Cardiac disorders NEC|Cardiac disorder signs and symptoms|CARD
INSOMNIA|INSOMNIA|Insomnia|Insomnia|Disturbances in initiating and maintaining sleep|Sleep disorders and disturbances|PSY
DEPRESSION|DEPRESSION|Depression|Depression|Depressive disorders|Depressed mood disorders and disturbances|PSY
ANXIETY|ANXIETY|Anxiety|Anxiety|Anxiety symptoms|Anxiety disorders and symptoms|PSY
BACKPAIN|BACK PAIN|Back pain|Back pain|Musculoskeletal and connective tissue pain and discomfort|Musculoskeletal and connective tissue disorders NEC|MUSC
ARTHRALGIA|JOINT PAIN|Joint pain|Arthralgia|Joint related signs and symptoms|Joint disorders|MUSC
LIMBPAIN|PAIN IN LEGS|Pain in leg|Pain in extremity|Musculoskeletal and connective tissue pain and discomfort|Musculoskeletal and connective tissue disorders NEC|MUSC
SPASMS|MUSCLE SPASMS|Muscle spasms|Muscle spasms|Muscle related signs and symptoms NEC|Muscle disorders|MUSC
COUGH|COUGH|Cough|Cough|Coughing and associated symptoms|Respiratory disorders NEC|RESP
OROPHAR|SORE THROAT|Sore throat|Oropharyngeal pain|Upper respiratory tract signs and symptoms|Respiratory disorders NEC|RESP
NASOPH|COMMON COLD|Common cold|Nasopharyngitis|Upper respiratory tract infections|Infections - pathogen unspecified|INF
URTI|UPPER RESPIRATORY TRACT INFECTION|Upper respiratory tract infection|Upper respiratory tract infection|Upper respiratory tract infections|Infections - pathogen unspecified|INF
UTI|URINARY TRACT INFECTION|Urinary tract infection|Urinary tract infection|Urinary tract infections|Infections - pathogen unspecified|INF
INFLUENZA|INFLUENZA|Influenza|Influenza|Influenza viral infections|Viral infectious disorders|INF
SINUSITIS|SINUSITIS|Sinusitis|Sinusitis|Upper respiratory tract infections|Infections - pathogen unspecified|INF
ZOSTER|HERPES ZOSTER|Herpes zoster|Herpes zoster|Herpes viral infections|Viral infectious disorders|INF
ORALHERP|COLD SORE|Cold sore|Oral herpes|Herpes viral infections|Viral infectious disorders|INF
BRONCHITIS|BRONCHITIS|Bronchitis|Bronchitis|Lower respiratory tract and lung infections|Infections - pathogen unspecified|INF
GASTROENT|GASTROENTERITIS|Gastroenteritis|Gastroenteritis|Abdominal and gastrointestinal infections|Infections - pathogen unspecified|INF
HYPERTHY|HYPERTHYROIDISM|Hyperthyroidism|Hyperthyroidism|Thyroid hyperfunction disorders|Thyroid gland disorders|ENDO
GRAVES|GRAVES' DISEASE|Graves' disease|Basedow's disease|Thyroid hyperfunction disorders|Thyroid gland disorders|ENDO
HYPOTHY|HYPOTHYROIDISM|Hypothyroidism|Hypothyroidism|Thyroid hypofunction disorders|Thyroid gland disorders|ENDO
AITHYR|AUTOIMMUNE THYROIDITIS|Autoimmune thyroiditis|Autoimmune thyroiditis|Acute and chronic thyroiditis|Thyroid gland disorders|ENDO
HASHI|HASHIMOTO'S THYROIDITIS|Hashimoto's thyroiditis|Autoimmune thyroiditis|Acute and chronic thyroiditis|Thyroid gland disorders|ENDO
ITP|IMMUNE THROMBOCYTOPENIA|Immune thrombocytopenia|Immune thrombocytopenia|Thrombocytopenias|Platelet disorders|BLOOD
NEUTROP|NEUTROPENIA|Neutropenia|Neutropenia|Neutropenias|White blood cell disorders|BLOOD
LYMPHAD|LYMPHADENOPATHY|Lymphadenopathy|Lymphadenopathy|Lymphatic system disorders NEC|Spleen, lymphatic and reticuloendothelial system disorders|BLOOD
MELANOMA|MALIGNANT MELANOMA|Malignant melanoma|Malignant melanoma|Skin melanomas (excl ocular)|Skin neoplasms malignant and unspecified|NEO
METMEL|METASTATIC MALIGNANT MELANOMA|Metastatic malignant melanoma|Metastatic malignant melanoma|Skin melanomas (excl ocular)|Skin neoplasms malignant and unspecified|NEO
MELINSITU|MELANOMA IN SITU (ABDOMEN)|Melanoma in situ|Malignant melanoma in situ|Skin melanomas (excl ocular)|Skin neoplasms malignant and unspecified|NEO
CHOLECYST|CHOLECYSTITIS|Cholecystitis|Cholecystitis|Gallbladder inflammations and infections|Gallbladder disorders|HEP
WOUND|INCISED WOUND LEFT ARM (ACCIDENT)|Incised wound|Laceration|Skin injuries NEC|Injuries NEC|INJ
CONTUSION|BRUISE|Bruise|Contusion|Non-site specific injuries NEC|Injuries NEC|INJ
"""

IAR_TERMS = ("RASH", "HEADACHE", "PYREXIA", "NAUSEA", "URTICARIA", "PRURITUS", "FLUSHING", "CHILLS", "FATIGUE",
             "INSOMNIA", "CHESTDISC", "TACHY", "DIZZINESS")
IAR_WEIGHTS = (0.34, 0.29, 0.14, 0.10, 0.12, 0.08, 0.09, 0.05, 0.07, 0.05, 0.04, 0.03, 0.03)
INFECTION_TERMS = ("NASOPH", "URTI", "UTI", "INFLUENZA", "SINUSITIS", "ZOSTER", "ORALHERP", "BRONCHITIS", "GASTROENT")
INFECTION_WEIGHTS = (0.26, 0.18, 0.14, 0.10, 0.09, 0.05, 0.08, 0.05, 0.05)
THYROID_TERMS = ("HYPERTHY", "GRAVES", "HYPOTHY", "AITHYR", "HASHI")
THYROID_WEIGHTS = (0.30, 0.22, 0.30, 0.10, 0.08)
GENERAL_TERMS = ("FATIGUE", "BACKPAIN", "ARTHRALGIA", "DEPRESSION", "INSOMNIA", "DIZZINESS", "PARAESTH", "HYPOAESTH",
                 "LIMBPAIN", "COUGH", "DIARRHOEA", "OROPHAR", "SPASMS", "ANXIETY", "CONTUSION", "HEADACHE", "NAUSEA")
GENERAL_WEIGHTS = (0.10, 0.09, 0.08, 0.07, 0.05, 0.05, 0.06, 0.05, 0.07, 0.05, 0.05, 0.04, 0.04, 0.04, 0.04, 0.08, 0.04)


def coding_table() -> pd.DataFrame:
    """One row per term key with every MedDRA-style level and its (synthetic) code."""
    rows = [line.split("|") for line in _TABLE.strip().splitlines()]
    t = pd.DataFrame(rows, columns=["KEY", "AETERM", "AELLT", "AEDECOD", "AEHLT", "AEHLGT", "SOCKEY"])
    t["AEBODSYS"] = t["SOCKEY"].map(SOCS)
    t["AESOC"] = t["AEBODSYS"]
    for col, code, base in (
        ("AELLT", "AELLTCD", 91_000_000),
        ("AEDECOD", "AEPTCD", 92_000_000),
        ("AEHLT", "AEHLTCD", 93_000_000),
        ("AEHLGT", "AEHLGTCD", 94_000_000),
        ("AEBODSYS", "AEBDSYCD", 95_000_000),
    ):
        names = sorted(t[col].unique())
        t[code] = t[col].map({nm: base + 1 + 37 * i for i, nm in enumerate(names)}).astype(float)
    t["AESOCCD"] = t["AEBDSYCD"]
    return t.drop(columns="SOCKEY").set_index("KEY")
