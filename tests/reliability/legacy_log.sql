-- A log written by CivicLedger before the keyed scheme (commit 56a3065), for the upgrade test
-- (tests/reliability/test_tamper_upgrade.py). Produced with that commit's own code on a fresh database:
-- tests.inspection.helpers.record_world (4 residents, corrections, moves, a household, a failed append), sealed
-- by its checkpointer (format 1); then a registration under an idempotency key, a logged read of personal data,
-- an erasure, sealed again; then one more registration, left unsealed. Keys: tests.conftest.MASTER_KEY (the
-- checkpoint signing seed derived from it). Transaction ids were renumbered (notification_id + 3) so that
-- they lie below any server's current ones. Then: pg_dump --inserts of the event store's tables, and the
-- append functions of that time (pg_get_functiondef).
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: claims; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.claims (
    scope text NOT NULL,
    key text NOT NULL,
    owner_id uuid NOT NULL,
    claimed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text NOT NULL,
    state bytea NOT NULL,
    notification_id bigint NOT NULL,
    tx xid8 NOT NULL,
    actor_id text,
    actor_role text,
    actor_office text,
    actor_district text,
    reason text,
    correlation_id text,
    causation_id text,
    idempotency_key text,
    origin text,
    chain_hash bytea NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0.5', autovacuum_analyze_scale_factor='0.01');


--
-- Name: events_position_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.events_position_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    command text NOT NULL,
    result jsonb NOT NULL,
    positions bigint[] NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: log_checkpoints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.log_checkpoints (
    seq bigint NOT NULL,
    "position" bigint NOT NULL,
    previous_position bigint NOT NULL,
    event_count bigint NOT NULL,
    gaps jsonb NOT NULL,
    range_root bytea NOT NULL,
    log_hash bytea NOT NULL,
    previous_hash bytea NOT NULL,
    created_at timestamp with time zone NOT NULL,
    checkpoint_hash bytea NOT NULL,
    signature bytea NOT NULL,
    public_key bytea NOT NULL
);


--
-- Name: personal_data_reads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.personal_data_reads (
    id bigint NOT NULL,
    read_at timestamp with time zone DEFAULT now() NOT NULL,
    reader_id text NOT NULL,
    reader_role text NOT NULL,
    reader_office text,
    reader_district text,
    resident_id uuid NOT NULL,
    resident_district text,
    fields text[] NOT NULL,
    purpose text,
    correlation_id text,
    operation text
);


--
-- Name: personal_data_reads_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.personal_data_reads_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: personal_data_reads_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.personal_data_reads_id_seq OWNED BY public.personal_data_reads.id;


--
-- Name: subject_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subject_keys (
    subject_id uuid NOT NULL,
    wrapped_key bytea,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    erased_at timestamp with time zone
);


--
-- Name: personal_data_reads id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.personal_data_reads ALTER COLUMN id SET DEFAULT nextval('public.personal_data_reads_id_seq'::regclass);


--
-- Data for Name: claims; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.claims VALUES ('resident_id_number', '1d2ade46958eb01d1ca0c2d41d96fa741f43d5de80415a9f9f333b01c52eb9e1', '4853bcc0-9909-465a-9d02-69b483031d9f', '2026-12-02 14:54:32.546693+00');
INSERT INTO public.claims VALUES ('resident_id_number', '2d8b62c451dee7a848f5872fa0b114078ba5cb0504129831fa90a7c49a53f0dc', '274c5a94-b8d3-485e-9663-65bdce67e76b', '2026-12-02 14:54:32.57644+00');
INSERT INTO public.claims VALUES ('resident_id_number', 'd21ddafd8487300f431202a4c2dea174263a56c836fb85e03ade36709385f32b', '6545ca10-33a0-4fbc-b602-aca009d8bd14', '2026-12-02 14:54:32.606992+00');
INSERT INTO public.claims VALUES ('household_membership', 'd8dfe471f37d0950c0cf1d4a2d05b0f12c74aa2813d6e3f6c925a2894720ad22', '6365090b-8918-455d-9da6-d2700f6d7842', '2026-12-02 14:54:32.724773+00');
INSERT INTO public.claims VALUES ('household_membership', '4c0a3e62a24982ac8c658b038affdf4676b36ee28f87e4daf605a9382636838e', '6365090b-8918-455d-9da6-d2700f6d7842', '2026-12-02 14:54:32.733335+00');
INSERT INTO public.claims VALUES ('resident_id_number', 'e2c818e34f54afd294dfe9514eb797695be4fdf1fb9485f7698b08ee11ac8c7d', 'df967f3a-ca53-4c7c-8944-0c832c6c5b6c', '2026-12-02 14:54:32.846895+00');
INSERT INTO public.claims VALUES ('resident_id_number', '49ba1e8e0799680a78599419daed56a60e852596bf2705eb2d6363ece91ebbbf', '3399391f-2d8c-43a1-9003-1cff6fc8ed6b', '2026-12-02 14:54:32.914143+00');


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.events VALUES ('df967f3a-ca53-4c7c-8944-0c832c6c5b6c', 1, 'civicledger.domains.residents.resident:Resident.Registered', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3834333639372b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e7265736964656e743a5265736964656e74222c226e616d65223a6e756c6c2c2269645f6e756d626572223a6e756c6c2c2267656e646572223a6e756c6c2c2262697274685f64617465223a6e756c6c2c2270686f6e65223a6e756c6c2c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c227265736964656e6379223a2252454749535445524544222c22247365616c6564223a7b226466393637663361636135333463376338393434306338333263366335623663223a7b2266223a5b2262697274685f64617465222c22636f6d6d756e697479222c2267656e646572222c2269645f6e756d626572222c226e616d65222c22737472656574225d2c2263223a22774e30586c3930367659742b52756136586e6e6d59416e467741504169337a5465777a47652f706874337261327035504f77362b6b7966374b7547697162315435703446646a5054694b7672395a32366d3575497766354f38527a6a6a68793332484f7a2f6756416a75696f68574e316f744e66476f70416b665036574661707742654550463430647255484d634f3236584456693750504f717969565356496a4959623549784e796c387555762b64774e61433579554e526a57616e6c304b6b7555312b7262312f365050476c594432555a706d6e4f494976784e6c694a50227d7d7d', 12, '15', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', '7c34ce03-7547-4018-8c65-dfff0f073393', NULL, 'legacy-retry-1', 'test', '\x45a18497833b2c5f9d9e226b301b312643435cc999e87e866ab761d1f43f0537');
INSERT INTO public.events VALUES ('e70c2565-c972-45b4-8cf0-47aa9587dc81', 2, 'civicledger.domains.residents.resident:Resident.PersonalDataErased', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3836373835362b30303a3030222c22726571756573745f7265666572656e6365223a225049504c2d323032352d30303031227d', 13, '16', 'admin-wang', 'admin', 'CIVIL-AFFAIRS-BUREAU', NULL, 'consent withdrawn', '3ced4b32-f1a1-4b56-b1c5-e0b6ceef5187', NULL, NULL, 'test', '\xf767e72afc856d94b56b20e8f5c642a6d7f1bfd4d79b3bca7d39b332cf3d59cb');
INSERT INTO public.events VALUES ('4853bcc0-9909-465a-9d02-69b483031d9f', 1, 'civicledger.domains.residents.resident:Resident.Registered', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3531393932322b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e7265736964656e743a5265736964656e74222c226e616d65223a6e756c6c2c2269645f6e756d626572223a6e756c6c2c2267656e646572223a6e756c6c2c2262697274685f64617465223a6e756c6c2c2270686f6e65223a6e756c6c2c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c227265736964656e6379223a2252454749535445524544222c22247365616c6564223a7b223438353362636330393930393436356139643032363962343833303331643966223a7b2266223a5b2262697274685f64617465222c22636f6d6d756e697479222c2267656e646572222c2269645f6e756d626572222c226e616d65222c2270686f6e65222c22737472656574225d2c2263223a2279376e6b744a38726139736c2f7366565a5941466533546a6a3932667a7350384259426a6d3645636f4e397831424845757663422f6952622f2f5939674835744556664d2b744a426a51595345756b362b6e766e383631454a646a2b7336336444555374586d6b45525873737550366b79657031716332506d36557434627169387275784d386b63756765707653464330557031354f655a63552f42752b5164453952324e475251584f594442586936587841734b514a4e683964794833546265642f4b4e474650306d447363707a4e455a75726f68634c5a6b496d4b48716e5176325a455a4b4f7674376d736b4b646c6c44577a6132484f7857594b73553d227d7d7d', 1, '4', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', '2d6f6954-312f-4359-bb80-e111c50610ed', NULL, NULL, 'test', '\xd084ec028619ae0fec2a42dc445b72f62d399536765df1f49270c652b6635197');
INSERT INTO public.events VALUES ('274c5a94-b8d3-485e-9663-65bdce67e76b', 1, 'civicledger.domains.residents.resident:Resident.Registered', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3537313137332b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e7265736964656e743a5265736964656e74222c226e616d65223a6e756c6c2c2269645f6e756d626572223a6e756c6c2c2267656e646572223a6e756c6c2c2262697274685f64617465223a6e756c6c2c2270686f6e65223a6e756c6c2c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c227265736964656e6379223a2252454749535445524544222c22247365616c6564223a7b223237346335613934623864333438356539363633363562646365363765373662223a7b2266223a5b2262697274685f64617465222c22636f6d6d756e697479222c2267656e646572222c2269645f6e756d626572222c226e616d65222c2270686f6e65222c22737472656574225d2c2263223a226175354c746436434f462b497457767146624277532f796f304d686144766c7557582b49315650564b6b42376e6f4b3962644457546e72423477303064394a4d6e45594f61722f436d34674d394b4a2f5a49454c4f7769364d714f75484541515868516d49374a6470344c51524261663261576f6a2f776b6358394432524251394d7765584c5632677556376866787a7a654b413637713049484b4d67432f6d594e716673396d54374b3733322f62366b72496b316e6a784c7674376d5574785670393345334a7338723163504f54536676776666683637446a646d31657a4e667a76554d4a69443254642f78496945454a4b4976726b6f41684951586f733d227d7d7d', 2, '5', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', 'fec18437-8870-4997-bd50-234cd1a988bd', NULL, NULL, 'test', '\x679dbf7f15fd5f9373ebe08d0d4dbdbf6c4cdd5087023295bdec419f8e31add2');
INSERT INTO public.events VALUES ('6545ca10-33a0-4fbc-b602-aca009d8bd14', 1, 'civicledger.domains.residents.resident:Resident.Registered', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3539323736352b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e7265736964656e743a5265736964656e74222c226e616d65223a6e756c6c2c2269645f6e756d626572223a6e756c6c2c2267656e646572223a6e756c6c2c2262697274685f64617465223a6e756c6c2c2270686f6e65223a6e756c6c2c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c227265736964656e6379223a2252454749535445524544222c22247365616c6564223a7b223635343563613130333361303466626362363032616361303039643862643134223a7b2266223a5b2262697274685f64617465222c22636f6d6d756e697479222c2267656e646572222c2269645f6e756d626572222c226e616d65222c2270686f6e65222c22737472656574225d2c2263223a226873767037394b45725249666e674f797a547368554553496b4f4f2f566b576e797556344b327856313972753763512b466345636539594377336f387461384d52337264726f45536c72546c46523579796f397663635435625a5152343536696a33697249562f553935746d34324c4362722f6d4d373272564d4449516a4e56644177394337774a4a2f7055322b62747a353845376d53386568475965425465466f384d41384675656d766a6162666344447961757549665037396a63464a4a693158443546386b6c752b6e65654f534e517061754459684947584b4b4f6c696a457834656a6876434e7a435663657469366f3535365245614139434455715a32773d3d227d7d7d', 3, '6', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', '1be5687a-2fcc-45ae-b2c0-052135428183', NULL, NULL, 'test', '\xea9fc119dfcda83b318f4d7b4e4ed3fd3717b46e910b3fa34d2237b4c70f5eed');
INSERT INTO public.events VALUES ('e70c2565-c972-45b4-8cf0-47aa9587dc81', 1, 'civicledger.domains.residents.resident:Resident.Registered', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3632303337382b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e7265736964656e743a5265736964656e74222c226e616d65223a6e756c6c2c2269645f6e756d626572223a6e756c6c2c2267656e646572223a6e756c6c2c2262697274685f64617465223a6e756c6c2c2270686f6e65223a6e756c6c2c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c227265736964656e6379223a2252454749535445524544222c22247365616c6564223a7b226537306332353635633937323435623438636630343761613935383764633831223a7b2266223a5b2262697274685f64617465222c22636f6d6d756e697479222c2267656e646572222c2269645f6e756d626572222c226e616d65222c2270686f6e65222c22737472656574225d2c2263223a227a342b62614f6465326c6475486947616a3364334772554f636f7171444669374e787979745542336f4c48506a5533317a6a2f747244426d72566f714635396d4477464d776567474b334a653561345752426e2f684b504b556d6e64446630797271365447575375486137366a7556706641624d4872364c333238715351746556714d662f6e46535067432f4e75645258504d55573579384c6150344b52316a6c2f45755a4f4669412b5a48684c44774563312f4276432b7558444c554457655a71694a484e4132575453464d674c452f6e6851736157777776427a6453555767766f754463373559386c4644536e373452523149482b364e3675464556453d227d7d7d', 4, '7', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', '0e61e13f-ee80-4b5c-be90-24d6a17d3d42', NULL, NULL, 'test', '\x6462ff98eac5fd77aa198618deccb3c642290281877476f7a784ee2f89d74e68');
INSERT INTO public.events VALUES ('4853bcc0-9909-465a-9d02-69b483031d9f', 2, 'civicledger.domains.residents.resident:Resident.DetailsCorrected', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3639323735342b30303a3030222c226368616e676573223a6e756c6c2c22247365616c6564223a7b223438353362636330393930393436356139643032363962343833303331643966223a7b2266223a5b226368616e676573225d2c2263223a22336e6d62325356567a5775794b4a3362685a4f4458364f3461427a543861684b62677174623734776543355577614a705a594e4e53676b644853786f70496b5a4457463648546431726c30472b716f766d696f7a227d7d7d', 7, '10', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'typo', '83139539-a273-4c83-a64a-499d301790b9', NULL, NULL, 'test', '\xda7cc2bc6007eb193d861c3136259951cd0c13f89a41068a98cd10b9b0bd2035');
INSERT INTO public.events VALUES ('4853bcc0-9909-465a-9d02-69b483031d9f', 3, 'civicledger.domains.residents.resident:Resident.AddressChanged', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3731313432332b30303a3030222c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c22247365616c6564223a7b223438353362636330393930393436356139643032363962343833303331643966223a7b2266223a5b22636f6d6d756e697479222c22737472656574225d2c2263223a227833647268574f534749475252344a6a4f79736e6473566955362b5054777a4449464c45665a793739544b34774a732f466555636d522b6b74542f5a7439424c633769735a45766872456f675a323237316b7935426a58586b55563376524236674f476837527a565479553d227d7d7d', 8, '11', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'moved', '4a094cd4-c285-41ff-b1e3-e39c035502b9', NULL, NULL, 'test', '\x39f217fdaccf5c0aec36667aedd73061ff6b3eea1018751eecf5170c322830ad');
INSERT INTO public.events VALUES ('6365090b-8918-455d-9da6-d2700f6d7842', 1, 'civicledger.domains.residents.household:Household.Established', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3731393934352b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e686f757365686f6c643a486f757365686f6c64222c22686561645f6964223a2234383533626363302d393930392d343635612d396430322d363962343833303331643966222c226469737472696374223a224841495a4855227d', 9, '12', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', '6c91e96c-25d8-425c-b35f-85ed259aabe2', NULL, NULL, 'test', '\xa8b06eafd6b7764a7999ff682c1b37451b2be0fecd1e5a7abc2c59174ec05653');
INSERT INTO public.events VALUES ('6365090b-8918-455d-9da6-d2700f6d7842', 2, 'civicledger.domains.residents.household:Household.MemberAdded', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3733313835332b30303a3030222c227265736964656e745f6964223a2232373463356139342d623864332d343835652d393636332d363562646365363765373662222c2272656c6174696f6e73686970223a2253504f555345227d', 10, '13', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', 'd851cc86-fafd-4e5c-a65d-0179b8993a77', NULL, NULL, 'test', '\x365b23435db0ee1297edf55564740dadfe91a749c220ccd18518b7c2b08d758b');
INSERT INTO public.events VALUES ('6545ca10-33a0-4fbc-b602-aca009d8bd14', 2, 'civicledger.domains.residents.resident:Resident.AddressChanged', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3733373938312b30303a3030222c226469737472696374223a225449414e4845222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c22247365616c6564223a7b223635343563613130333361303466626362363032616361303039643862643134223a7b2266223a5b22636f6d6d756e697479222c22737472656574225d2c2263223a22645658345978314c3746324951496a306d766a546d5730313673734f42356667785752596c6546373555474e62753464545153345a64556d5a646a623972755430316143614b723137486c4f5a4171713957642f586c7136304854416d514266454d78474e76453d227d7d7d', 11, '14', 'cw-zhang', 'caseworker', 'TIANHE-SHIPAI-STATION', 'TIANHE', 'moved', '06bbe403-24b2-412a-b846-416acbc1bfec', NULL, NULL, 'test', '\xdfe8b7fe6f7d41e8a265f3a9d664a7c725d8bf01b2e66b8aed48c01ecafcb7d6');
INSERT INTO public.events VALUES ('3399391f-2d8c-43a1-9003-1cff6fc8ed6b', 1, 'civicledger.domains.residents.resident:Resident.Registered', '\x7b2274696d657374616d70223a22323032362d31322d30325431343a35343a33322e3931333638372b30303a3030222c226f726967696e61746f725f746f706963223a2263697669636c65646765722e646f6d61696e732e7265736964656e74732e7265736964656e743a5265736964656e74222c226e616d65223a6e756c6c2c2269645f6e756d626572223a6e756c6c2c2267656e646572223a6e756c6c2c2262697274685f64617465223a6e756c6c2c2270686f6e65223a6e756c6c2c226469737472696374223a224841495a4855222c22737472656574223a6e756c6c2c22636f6d6d756e697479223a6e756c6c2c227265736964656e6379223a2252454749535445524544222c22247365616c6564223a7b223333393933393166326438633433613139303033316366663666633865643662223a7b2266223a5b2262697274685f64617465222c22636f6d6d756e697479222c2267656e646572222c2269645f6e756d626572222c226e616d65222c22737472656574225d2c2263223a2239796377396c44304564546f51546977384e68564a594c2b4c6d306367374261772f4f4d45682f5a64745344643161597432705830674431656a6c574f3969625a3438732f5779544174654c546348627237646553365353723356375a7143487a2f4a4b39774c433739382f45416273476157446d42594c5657634e556b76484a48574334735964326a4173374752504454334c6849374577474f383647797267462b61705348615873557a6b4f674b465a5a563533613646626361794f533979386a6c383349486b416248632f506c534747334637452b716d68782b493861227d7d7d', 14, '17', 'cw-li', 'caseworker', 'HAIZHU-JIANGHAI-STATION', 'HAIZHU', 'intake', 'd5fd1c8e-05a7-432d-a750-608ec82fb920', NULL, NULL, 'test', '\x723f06882d548cc4fa5fea2bd34084f31c22f1eea66c11b2a803214d455ce3ab');


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.idempotency_keys VALUES ('cw-li', 'legacy-retry-1', '8ffeb0754787a8f817e9c733dd351d63c656e0936bce9c87d3cebf041261d71c', 'RegisterResident', '{"streams": [["df967f3a-ca53-4c7c-8944-0c832c6c5b6c", 1]]}', '{12}', '2026-12-02 14:54:32.846895+00');


--
-- Data for Name: log_checkpoints; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.log_checkpoints VALUES (1, 11, 0, 9, '[[5, 6]]', '\x88ce494e699dfcbff5a16e29de0b3990ebd06ab899b09c2deab7d245f6bb3dde', '\xb33471c7123d3f4d04201e11ff22f817cfbd3cc0ecaa2df9c106ecf3bf13ddbd', '\x0000000000000000000000000000000000000000000000000000000000000000', '2026-12-02 14:54:32.826663+00', '\xa3c4e838453438903d9afa4aa494366efa04c606761c79d37b7225d681bb7c37', '\x2c4dd66eabaa7ca7305e720598cd9321b3c827d99042b227eec6772d0b641031356db503eb0e0d6cf6fad461102de765128292f3aa3bf80db6cce0a7ca58fb07', '\xdf888bea5ca0c83b3a1904e67a8a513f1092bc48b37b3c09d5f1c00d9430e88d');
INSERT INTO public.log_checkpoints VALUES (2, 13, 11, 11, '[]', '\xdbdea8894c7d7152c4a45b0c64f905d1dd06a364ea5d5c308764a13c6e411cec', '\x71c45496f113c905b7dc18f056513f70b025a5954af9b688a4bdfdebc388222f', '\xa3c4e838453438903d9afa4aa494366efa04c606761c79d37b7225d681bb7c37', '2026-12-02 14:54:32.896135+00', '\x5a6215528d785aba710852d3c0c45588611857321304348a914ef47040e49255', '\x8c0216ea398551a4bb554b730827d36aad7b0c8ae7cf9e659c34c6980d8fc6db702e2864b2e025ed444dcf98a2f52048e38a3e83b3956f380c2c153706e2020d', '\xdf888bea5ca0c83b3a1904e67a8a513f1092bc48b37b3c09d5f1c00d9430e88d');


--
-- Data for Name: personal_data_reads; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.personal_data_reads VALUES (1, '2026-12-02 14:54:32.852397+00', 'insp-zhou', 'inspector', 'AUDIT-BUREAU', NULL, 'df967f3a-ca53-4c7c-8944-0c832c6c5b6c', 'HAIZHU', '{idNumber}', 'legacy review', '2d08cdc6-64e0-402f-9e84-21d618b204f4', 'Legacy');


--
-- Data for Name: subject_keys; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.subject_keys VALUES ('4853bcc0-9909-465a-9d02-69b483031d9f', '\x7aaa986dcaf1dcf195e2822bb25a2c0625f4a84d81875489dcdefbb9ae9c49bf2dd99f4a8b2dfc8de1bafe5cc261691195df63b6493caa44b65a74b3', '2026-12-02 14:54:32.546693+00', NULL);
INSERT INTO public.subject_keys VALUES ('274c5a94-b8d3-485e-9663-65bdce67e76b', '\xf4d27c601cac01de56163bb4f9e6bb3a823bc5ad00ad7ffd6541f2731a387b90aad24291c3bd3e5054c48a67573e810ebf76fa8ae364134be7d7af47', '2026-12-02 14:54:32.57644+00', NULL);
INSERT INTO public.subject_keys VALUES ('6545ca10-33a0-4fbc-b602-aca009d8bd14', '\xf3fa34f94f665496dd14cfb049592a266e534e07814cf63fb09fd29ae35a28c5bc09270f86153e62beee35f4b50fae06ce72e0049ef3281cf5cefd5d', '2026-12-02 14:54:32.606992+00', NULL);
INSERT INTO public.subject_keys VALUES ('df967f3a-ca53-4c7c-8944-0c832c6c5b6c', '\xca43912033f20613f1c01c5b0388c6a23fd69b0c183e1bffdf6ff226aee0bdd0ba97dff31de33042cfee501a6af1ef70b478fb223fb9441af8214b8b', '2026-12-02 14:54:32.846895+00', NULL);
INSERT INTO public.subject_keys VALUES ('e70c2565-c972-45b4-8cf0-47aa9587dc81', NULL, '2026-12-02 14:54:32.626473+00', '2026-12-02 14:54:32.86991+00');
INSERT INTO public.subject_keys VALUES ('3399391f-2d8c-43a1-9003-1cff6fc8ed6b', '\xa42a18358abf33364ba2cd8bd0e1ad895dce508fe6d40b664981d03e32e8cd2739b5960162a6b7371f907065370f9542c741ec7b471b8a29da671b85', '2026-12-02 14:54:32.914143+00', NULL);


--
-- Name: events_position_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.events_position_seq', 14, true);


--
-- Name: personal_data_reads_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.personal_data_reads_id_seq', 1, true);


--
-- Name: claims claims_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claims
    ADD CONSTRAINT claims_pkey PRIMARY KEY (scope, key);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (originator_id, originator_version);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key);


--
-- Name: log_checkpoints log_checkpoints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_checkpoints
    ADD CONSTRAINT log_checkpoints_pkey PRIMARY KEY (seq);


--
-- Name: personal_data_reads personal_data_reads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.personal_data_reads
    ADD CONSTRAINT personal_data_reads_pkey PRIMARY KEY (id);


--
-- Name: subject_keys subject_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subject_keys
    ADD CONSTRAINT subject_keys_pkey PRIMARY KEY (subject_id);


--
-- Name: events_notification_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX events_notification_id_idx ON public.events USING btree (notification_id);


--
-- Name: log_checkpoints_position_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX log_checkpoints_position_idx ON public.log_checkpoints USING btree ("position");


--
-- Name: personal_data_reads_read_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX personal_data_reads_read_at_idx ON public.personal_data_reads USING btree (read_at);


--
-- Name: personal_data_reads_reader_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX personal_data_reads_reader_idx ON public.personal_data_reads USING btree (reader_id, id);


--
-- Name: personal_data_reads_resident_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX personal_data_reads_resident_idx ON public.personal_data_reads USING btree (resident_id, id);


--
-- PostgreSQL database dump complete
--



CREATE OR REPLACE FUNCTION public.civic_append_events(p_ids uuid[], p_versions bigint[], p_topics text[], p_states bytea[], p_digests bytea[], p_meta text[], p_extra text)
 RETURNS bigint[]
 LANGUAGE plpgsql
AS $function$
DECLARE
    n int := coalesce(cardinality(p_ids), 0);
    x jsonb;
    v_positions bigint[];
    v_hashes bytea[] := '{}';
    v_tx xid8;
    v_prev bytea;
    v_last uuid;
    r record;
BEGIN
    IF n > 0 THEN
        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
            RAISE EXCEPTION 'event append must be the first write of its transaction';
        END IF;
        -- Held for microseconds: ties the order of positions to the order of transaction ids.
        PERFORM pg_advisory_lock(1158187186709092055);
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        PERFORM pg_advisory_xact_lock_shared(1919049301, ((v_tx)::text::bigint & 4294967295)::bit(32)::int4);
        IF n = 1 THEN
            v_positions := ARRAY[nextval('"public"."events_position_seq"')];
        ELSE
            SELECT array_agg(nextval('"public"."events_position_seq"') ORDER BY g) INTO v_positions FROM generate_series(1, n) g;
        END IF;
        PERFORM pg_advisory_unlock(1158187186709092055);
        FOR r IN
            SELECT u.id, u.v, u.d, u.ord
            FROM unnest(p_ids, p_versions, p_digests) WITH ORDINALITY AS u(id, v, d, ord)
            ORDER BY u.id, u.v
        LOOP
            IF v_last IS DISTINCT FROM r.id THEN
                v_prev := NULL;
                IF r.v > 1 THEN
                    SELECT e.chain_hash INTO v_prev FROM "public"."events" e
                     WHERE e.originator_id = r.id AND e.originator_version < r.v
                     ORDER BY e.originator_version DESC LIMIT 1;
                END IF;
                v_prev := coalesce(v_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
            END IF;
            v_prev := sha256(v_prev || r.d);
            v_hashes[r.ord] := v_prev;
            v_last := r.id;
        END LOOP;
        INSERT INTO "public"."events" (
            originator_id, originator_version, topic, state, notification_id, tx,
            actor_id, actor_role, actor_office, actor_district, reason,
            correlation_id, causation_id, idempotency_key, origin, chain_hash)
        SELECT u.id, u.v, u.t, u.s, u.p, v_tx,
            p_meta[1], p_meta[2], p_meta[3], p_meta[4], p_meta[5], p_meta[6], p_meta[7], p_meta[8], p_meta[9],
            u.h
        FROM unnest(p_ids, p_versions, p_topics, p_states, v_positions, v_hashes) AS u(id, v, t, s, p, h);
    END IF;
    IF p_extra IS NULL THEN
        RETURN coalesce(v_positions, '{}');
    END IF;
    -- Everything else the command writes atomically with its events (rare, so passed as one JSON value).
    x := p_extra::jsonb;
    IF x ? 'idem' THEN
        INSERT INTO "public"."idempotency_keys" (scope, key, fingerprint, command, result, positions)
        VALUES (x->'idem'->>0, x->'idem'->>1, x->'idem'->>2, x->'idem'->>3, x->'idem'->4,
                coalesce(v_positions, '{}'));
    END IF;
    IF x ? 'releases' THEN
        DELETE FROM "public"."claims" c USING jsonb_array_elements(x->'releases') AS rel
         WHERE c.scope = rel->>0 AND c.key = rel->>1;
    END IF;
    IF x ? 'claims' THEN
        INSERT INTO "public"."claims" (scope, key, owner_id)
        SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
    END IF;
    IF x ? 'keys' THEN
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key)
        SELECT (k->>0)::uuid, decode(k->>1, 'base64') FROM jsonb_array_elements(x->'keys') AS k;
    END IF;
    IF x ? 'erase' THEN
        -- Crypto-shredding: the data key goes, the ciphertext (and every hash over it) stays.
        UPDATE "public"."subject_keys" SET wrapped_key = NULL, erased_at = now()
         WHERE subject_id IN (SELECT (e #>> '{}')::uuid FROM jsonb_array_elements(x->'erase') AS e)
           AND erased_at IS NULL;
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, erased_at)
        SELECT (e #>> '{}')::uuid, NULL, now() FROM jsonb_array_elements(x->'erase') AS e
        ON CONFLICT (subject_id) DO NOTHING;
    END IF;
    RETURN coalesce(v_positions, '{}');
END
$function$
;
CREATE OR REPLACE FUNCTION public.civic_append_events_1(p_id uuid, p_version bigint, p_topic text, p_state bytea, p_digest bytea, p_meta text[], p_extra text)
 RETURNS bigint[]
 LANGUAGE plpgsql
AS $function$
DECLARE
    n int := 1;
    x jsonb;
    v_positions bigint[];
    v_hashes bytea[] := '{}';
    v_tx xid8;
    v_prev bytea;
    v_last uuid;
    r record;
BEGIN
    IF n > 0 THEN
        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
            RAISE EXCEPTION 'event append must be the first write of its transaction';
        END IF;
        -- Held for microseconds: ties the order of positions to the order of transaction ids.
        PERFORM pg_advisory_lock(1158187186709092055);
        v_tx := pg_current_xact_id();
        -- The in-flight marker readers use to bound the safe horizon (see horizon.py).
        PERFORM pg_advisory_xact_lock_shared(1919049301, ((v_tx)::text::bigint & 4294967295)::bit(32)::int4);
        IF n = 1 THEN
            v_positions := ARRAY[nextval('"public"."events_position_seq"')];
        ELSE
            SELECT array_agg(nextval('"public"."events_position_seq"') ORDER BY g) INTO v_positions FROM generate_series(1, n) g;
        END IF;
        PERFORM pg_advisory_unlock(1158187186709092055);
        IF p_version > 1 THEN
            SELECT e.chain_hash INTO v_prev FROM "public"."events" e
             WHERE e.originator_id = p_id AND e.originator_version < p_version
             ORDER BY e.originator_version DESC LIMIT 1;
        END IF;
        INSERT INTO "public"."events" (
            originator_id, originator_version, topic, state, notification_id, tx,
            actor_id, actor_role, actor_office, actor_district, reason,
            correlation_id, causation_id, idempotency_key, origin, chain_hash)
        VALUES (p_id, p_version, p_topic, p_state, v_positions[1], v_tx,
            p_meta[1], p_meta[2], p_meta[3], p_meta[4], p_meta[5], p_meta[6], p_meta[7], p_meta[8], p_meta[9],
            sha256(coalesce(v_prev, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) || p_digest));
    END IF;
    IF p_extra IS NULL THEN
        RETURN coalesce(v_positions, '{}');
    END IF;
    -- Everything else the command writes atomically with its events (rare, so passed as one JSON value).
    x := p_extra::jsonb;
    IF x ? 'idem' THEN
        INSERT INTO "public"."idempotency_keys" (scope, key, fingerprint, command, result, positions)
        VALUES (x->'idem'->>0, x->'idem'->>1, x->'idem'->>2, x->'idem'->>3, x->'idem'->4,
                coalesce(v_positions, '{}'));
    END IF;
    IF x ? 'releases' THEN
        DELETE FROM "public"."claims" c USING jsonb_array_elements(x->'releases') AS rel
         WHERE c.scope = rel->>0 AND c.key = rel->>1;
    END IF;
    IF x ? 'claims' THEN
        INSERT INTO "public"."claims" (scope, key, owner_id)
        SELECT c->>0, c->>1, (c->>2)::uuid FROM jsonb_array_elements(x->'claims') AS c;
    END IF;
    IF x ? 'keys' THEN
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key)
        SELECT (k->>0)::uuid, decode(k->>1, 'base64') FROM jsonb_array_elements(x->'keys') AS k;
    END IF;
    IF x ? 'erase' THEN
        -- Crypto-shredding: the data key goes, the ciphertext (and every hash over it) stays.
        UPDATE "public"."subject_keys" SET wrapped_key = NULL, erased_at = now()
         WHERE subject_id IN (SELECT (e #>> '{}')::uuid FROM jsonb_array_elements(x->'erase') AS e)
           AND erased_at IS NULL;
        INSERT INTO "public"."subject_keys" (subject_id, wrapped_key, erased_at)
        SELECT (e #>> '{}')::uuid, NULL, now() FROM jsonb_array_elements(x->'erase') AS e
        ON CONFLICT (subject_id) DO NOTHING;
    END IF;
    RETURN coalesce(v_positions, '{}');
END
$function$
;
