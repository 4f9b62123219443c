/**
 * microcred's own JSON Schema (draft 2020-12) for an Open Badges 3.0 AchievementCredential
 * (VCDM 2.0). Written from the OB 3.0 data model (required/optional cardinalities per class),
 * not generated from the 1EdTech files; the official schema is only used by tests to compare
 * verdicts.
 *
 * Layout: one `$defs` entry per OB class, plus a few shared scalar types. Conventions:
 * - multi-valued properties are arrays (OB JSON serialization; no JSON-LD compacted form);
 * - extensible classes leave `additionalProperties` open, the closed ones
 *   (IdentityObject, IdentifierEntry, Image) set it to false;
 * - value unions that hold a `$ref` use if/then/else keyed on the JSON type rather than
 *   anyOf/oneOf, so a failure is reported inside the branch that was meant, not as
 *   "must match exactly one schema".
 */

/** The URL spec examples put in `credentialSchema[].id` with type `1EdTechJsonSchemaValidator2019`. */
export const OB3_SCHEMA_URL =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

export const OB3_SCHEMA_ID = 'https://microcred.dev/schemas/ob3/achievementcredential.json';

const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
// Any published OB 3.0 context file: context.json or context-3.x.y.json.
const OB_CONTEXT_PATTERN = '^https://purl\\.imsglobal\\.org/spec/ob/v3p0/context(-3\\.\\d\\.\\d)*\\.json$';

const ref = (name: string): Record<string, unknown> => ({ $ref: `#/$defs/${name}` });
const arrayOf = (name: string): Record<string, unknown> => ({ type: 'array', items: ref(name) });

/** `type` as an unordered set of strings that must include `required`. */
const typeSetWith = (required: string): Record<string, unknown> => ({
  type: 'array',
  minItems: 1,
  items: { type: 'string' },
  contains: { const: required },
});

// `ext:` term that extends an enumerated vocabulary [OB §Extending Enumerated Vocabularies].
const EXTENSION_TERM_PATTERN = '^ext:[A-Za-z0-9._-]+$';

/**
 * Closed vocabulary that may be extended with an `ext:` term. The branches are inline (no $ref)
 * so the validator can merge their errors into one message.
 */
const extensibleEnum = (values: readonly string[]): Record<string, unknown> => ({
  type: 'string',
  anyOf: [{ enum: values }, { pattern: EXTENSION_TERM_PATTERN }],
});

const IDENTIFIER_TYPES = [
  'name', 'sourcedId', 'systemId', 'productId', 'userName', 'accountId', 'emailAddress',
  'nationalIdentityNumber', 'isbn', 'issn', 'lisSourcedId', 'oneRosterSourcedId', 'sisSourcedId',
  'ltiContextId', 'ltiDeploymentId', 'ltiToolId', 'ltiPlatformId', 'ltiUserId', 'identifier',
] as const;

const ACHIEVEMENT_TYPES = [
  'Achievement', 'ApprenticeshipCertificate', 'Assessment', 'Assignment', 'AssociateDegree', 'Award',
  'Badge', 'BachelorDegree', 'Certificate', 'CertificateOfCompletion', 'Certification',
  'CommunityService', 'Competency', 'Course', 'CoCurricular', 'Degree', 'Diploma', 'DoctoralDegree',
  'Fieldwork', 'GeneralEducationDevelopment', 'JourneymanCertificate', 'LearningProgram', 'License',
  'Membership', 'ProfessionalDoctorate', 'QualityAssuranceCredential', 'MasterCertificate',
  'MasterDegree', 'MicroCredential', 'ResearchDoctorate', 'SecondarySchoolDiploma',
] as const;

const ALIGNMENT_TARGET_TYPES = [
  'ceasn:Competency', 'ceterms:Credential', 'CFItem', 'CFRubric', 'CFRubricCriterion',
  'CFRubricCriterionLevel', 'CTDL',
] as const;

const RESULT_TYPES = [
  'GradePointAverage', 'LetterGrade', 'Percent', 'PerformanceLevel', 'PredictedScore', 'RawScore',
  'Result', 'RubricCriterion', 'RubricCriterionLevel', 'RubricScore', 'ScaledScore', 'Status',
] as const;

// Not extensible: no ext: terms.
const RESULT_STATUS_TYPES = [
  'Completed', 'Enrolled', 'Failed', 'InProgress', 'OnHold', 'Provisional', 'Withdrew',
] as const;

/** Properties shared by the credential classes (AchievementCredential, EndorsementCredential). */
const credentialCommon = {
  '@context': ref('Contexts'),
  id: ref('URI'),
  name: { type: 'string' },
  description: { type: 'string' },
  image: ref('Image'),
  issuer: ref('ProfileRef'),
  validFrom: ref('DateTimeZ'),
  validUntil: ref('DateTimeZ'),
  awardedDate: ref('DateTimeZ'),
  proof: arrayOf('Proof'),
  credentialSchema: arrayOf('CredentialSchema'),
  credentialStatus: ref('CredentialStatusRef'),
  refreshService: ref('RefreshService'),
  termsOfUse: arrayOf('TermsOfUse'),
} as const;

/** Endorsements may be attached to credentials, achievements and profiles. */
const endorsable = {
  endorsement: arrayOf('EndorsementCredential'),
  endorsementJwt: { type: 'array', items: ref('CompactJws') },
} as const;

export const OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: OB3_SCHEMA_ID,
  title: 'Open Badges 3.0 AchievementCredential (microcred)',
  description:
    'An OB 3.0 AchievementCredential / OpenBadgeCredential as a VCDM 2.0 credential. ' +
    'Extra top-level members (e.g. JWT claims iss, sub, nbf, jti, exp, iat) are allowed.',
  type: 'object',
  required: ['@context', 'id', 'type', 'issuer', 'validFrom', 'credentialSubject'],
  properties: {
    ...credentialCommon,
    ...endorsable,
    type: {
      type: 'array',
      items: { type: 'string' },
      // Two independent membership rules: contains can appear only once per schema object.
      allOf: [
        { contains: { const: 'VerifiableCredential' } },
        { contains: { enum: ['AchievementCredential', 'OpenBadgeCredential'] } },
      ],
    },
    credentialSubject: ref('AchievementSubject'),
    evidence: arrayOf('Evidence'),
  },
  additionalProperties: true,

  $defs: {
    // ---- scalar types -----------------------------------------------------------------
    URI: { type: 'string', format: 'uri' },
    // ajv-formats' "date-time" requires the timezone (RFC 3339), which is what DateTimeZ means.
    DateTimeZ: { type: 'string', format: 'date-time' },
    CompactJws: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+$' },
    // BCP 47 language tag, loosely: primary subtag plus optional subtags (case-insensitive).
    LanguageTag: { type: 'string', pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' },
    IdentifierType: extensibleEnum(IDENTIFIER_TYPES),

    Contexts: {
      // Ordered: the VC 2.0 context first, then the OB context; anything after is free.
      type: 'array',
      minItems: 2,
      prefixItems: [
        { const: VC_V2_CONTEXT },
        { type: 'string', pattern: OB_CONTEXT_PATTERN },
      ],
      items: { type: ['string', 'object'] },
    },

    // ---- references that are either a URI or an embedded object -------------------------
    ProfileRef: {
      if: { type: 'string' },
      then: ref('URI'),
      else: ref('Profile'),
    },
    CredentialStatusRef: {
      // VCDM 2.0 allows one or several status entries.
      if: { type: 'array' },
      then: { minItems: 1, items: ref('CredentialStatus') },
      else: ref('CredentialStatus'),
    },

    // ---- credential-level classes ------------------------------------------------------
    AchievementSubject: {
      type: 'object',
      required: ['type', 'achievement'],
      properties: {
        id: ref('URI'),
        type: typeSetWith('AchievementSubject'),
        achievement: ref('Achievement'),
        identifier: arrayOf('IdentityObject'),
        activityStartDate: ref('DateTimeZ'),
        activityEndDate: ref('DateTimeZ'),
        // Stricter than the official schema: a negative credit value is never meaningful.
        creditsEarned: { type: 'number', minimum: 0 },
        image: ref('Image'),
        licenseNumber: { type: 'string' },
        narrative: { type: 'string' },
        result: arrayOf('Result'),
        role: { type: 'string' },
        source: ref('Profile'),
        term: { type: 'string' },
      },
    },

    IdentityObject: {
      type: 'object',
      required: ['type', 'hashed', 'identityHash', 'identityType'],
      properties: {
        type: { const: 'IdentityObject' },
        hashed: { type: 'boolean' },
        identityHash: { type: 'string' },
        identityType: ref('IdentifierType'),
        salt: { type: 'string' },
      },
      additionalProperties: false,
      // A hashed identity is "<alg>$<hex>"; unhashed ones carry the plaintext value.
      if: { required: ['hashed'], properties: { hashed: { const: true } } },
      then: { properties: { identityHash: { pattern: '^(md5|sha256)\\$[0-9A-Fa-f]+$' } } },
    },

    Achievement: {
      type: 'object',
      required: ['id', 'type', 'criteria', 'description', 'name'],
      properties: {
        ...endorsable,
        id: ref('URI'),
        type: typeSetWith('Achievement'),
        name: { type: 'string' },
        description: { type: 'string' },
        criteria: ref('Criteria'),
        achievementType: extensibleEnum(ACHIEVEMENT_TYPES),
        alignment: arrayOf('Alignment'),
        creator: ref('Profile'),
        creditsAvailable: { type: 'number', minimum: 0 },
        fieldOfStudy: { type: 'string' },
        humanCode: { type: 'string' },
        image: ref('Image'),
        inLanguage: ref('LanguageTag'),
        otherIdentifier: arrayOf('IdentifierEntry'),
        related: arrayOf('Related'),
        resultDescription: arrayOf('ResultDescription'),
        specialization: { type: 'string' },
        tag: { type: 'array', items: { type: 'string' } },
        version: { type: 'string' },
      },
    },

    Criteria: {
      // Both members are optional; at least one SHOULD be present (not enforced).
      type: 'object',
      properties: {
        id: ref('URI'),
        narrative: { type: 'string' },
      },
    },

    Alignment: {
      type: 'object',
      required: ['type', 'targetName', 'targetUrl'],
      properties: {
        type: typeSetWith('Alignment'),
        targetName: { type: 'string' },
        targetUrl: ref('URI'),
        targetCode: { type: 'string' },
        targetDescription: { type: 'string' },
        targetFramework: { type: 'string' },
        targetType: extensibleEnum(ALIGNMENT_TARGET_TYPES),
      },
    },

    Related: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: ref('URI'),
        type: typeSetWith('Related'),
        inLanguage: ref('LanguageTag'),
        version: { type: 'string' },
      },
    },

    Result: {
      type: 'object',
      required: ['type'],
      properties: {
        type: typeSetWith('Result'),
        achievedLevel: ref('URI'),
        alignment: arrayOf('Alignment'),
        resultDescription: ref('URI'),
        status: { enum: RESULT_STATUS_TYPES },
        value: { type: 'string' },
      },
    },

    ResultDescription: {
      type: 'object',
      required: ['id', 'type', 'name', 'resultType'],
      properties: {
        id: ref('URI'),
        type: typeSetWith('ResultDescription'),
        name: { type: 'string' },
        resultType: extensibleEnum(RESULT_TYPES),
        alignment: arrayOf('Alignment'),
        allowedValue: { type: 'array', items: { type: 'string' } },
        requiredLevel: ref('URI'),
        requiredValue: { type: 'string' },
        rubricCriterionLevel: arrayOf('RubricCriterionLevel'),
        valueMax: { type: 'string' },
        valueMin: { type: 'string' },
      },
    },

    RubricCriterionLevel: {
      type: 'object',
      required: ['id', 'type', 'name'],
      properties: {
        id: ref('URI'),
        type: typeSetWith('RubricCriterionLevel'),
        name: { type: 'string' },
        alignment: arrayOf('Alignment'),
        description: { type: 'string' },
        level: { type: 'string' },
        points: { type: 'string' },
      },
    },

    Evidence: {
      type: 'object',
      required: ['type'],
      properties: {
        id: ref('URI'), // a URL or a data: URI
        type: typeSetWith('Evidence'),
        narrative: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        genre: { type: 'string' },
        audience: { type: 'string' },
      },
    },

    Image: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: ref('URI'), // a URL or a data: URI
        type: { const: 'Image' },
        caption: { type: 'string' },
      },
      additionalProperties: false,
    },

    // ---- profiles -------------------------------------------------------------------------
    Profile: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        ...endorsable,
        id: ref('URI'),
        type: typeSetWith('Profile'),
        name: { type: 'string' },
        url: ref('URI'),
        phone: { type: 'string' },
        description: { type: 'string' },
        image: ref('Image'),
        email: { type: 'string', format: 'email' },
        address: ref('Address'),
        otherIdentifier: arrayOf('IdentifierEntry'),
        official: { type: 'string' },
        parentOrg: ref('Profile'),
        familyName: { type: 'string' },
        givenName: { type: 'string' },
        additionalName: { type: 'string' },
        patronymicName: { type: 'string' },
        honorificPrefix: { type: 'string' },
        honorificSuffix: { type: 'string' },
        familyNamePrefix: { type: 'string' },
        dateOfBirth: { type: 'string', format: 'date' },
      },
    },

    IdentifierEntry: {
      type: 'object',
      required: ['type', 'identifier', 'identifierType'],
      properties: {
        type: { const: 'IdentifierEntry' },
        identifier: { type: 'string' },
        identifierType: ref('IdentifierType'),
      },
      additionalProperties: false,
    },

    Address: {
      type: 'object',
      required: ['type'],
      properties: {
        type: typeSetWith('Address'),
        addressCountry: { type: 'string' },
        addressCountryCode: { type: 'string', pattern: '^[A-Z]{2}$' }, // ISO 3166-1 alpha-2
        addressRegion: { type: 'string' },
        addressLocality: { type: 'string' },
        streetAddress: { type: 'string' },
        postOfficeBoxNumber: { type: 'string' },
        postalCode: { type: 'string' },
        geo: ref('GeoCoordinates'),
      },
    },

    GeoCoordinates: {
      type: 'object',
      required: ['type', 'latitude', 'longitude'],
      properties: {
        type: { const: 'GeoCoordinates' },
        latitude: { type: 'number' },
        longitude: { type: 'number' },
      },
    },

    // ---- endorsements -------------------------------------------------------------------
    EndorsementCredential: {
      type: 'object',
      required: ['@context', 'id', 'type', 'name', 'issuer', 'validFrom', 'credentialSubject'],
      properties: {
        ...credentialCommon,
        type: {
          type: 'array',
          items: { type: 'string' },
          allOf: [
            { contains: { const: 'VerifiableCredential' } },
            { contains: { const: 'EndorsementCredential' } },
          ],
        },
        credentialSubject: ref('EndorsementSubject'),
      },
    },

    EndorsementSubject: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: ref('URI'), // the endorsed credential, achievement or profile
        type: typeSetWith('EndorsementSubject'),
        endorsementComment: { type: 'string' },
      },
    },

    // ---- VCDM plumbing ------------------------------------------------------------------
    Proof: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string' },
        created: ref('DateTimeZ'),
        cryptosuite: { type: 'string' },
        challenge: { type: 'string' },
        domain: { type: 'string' },
        nonce: { type: 'string' },
        proofPurpose: { type: 'string' },
        proofValue: { type: 'string' },
        verificationMethod: { type: 'string' },
      },
    },

    CredentialSchema: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: ref('URI'),
        type: { type: 'string' },
      },
    },

    CredentialStatus: {
      // `id` optional since OB doc 1.4, as in VCDM 2.0.
      type: 'object',
      required: ['type'],
      properties: {
        id: ref('URI'),
        type: { type: 'string' },
      },
    },

    RefreshService: {
      type: 'object',
      required: ['id', 'type'],
      properties: {
        id: ref('URI'),
        type: { type: 'string' },
      },
    },

    TermsOfUse: {
      type: 'object',
      required: ['type'],
      properties: {
        id: ref('URI'),
        type: { type: 'string' },
      },
    },
  },
};
